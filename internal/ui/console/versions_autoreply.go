package console

import (
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The auto-replies' history (versions.go): a version's page tries a
// message against it.

func (u *UI) registerAutoReplyVersions(h core.Route) {
	if u.AutoReplies == nil {
		return
	}
	hist := &history[*autoreply.Version]{path: "autoreply", action: account.ActAutoReply, title: "Auto-reply history",
		store:  u.AutoReplies,
		meta:   func(v *autoreply.Version) *confver.Version { return v.Version },
		export: func(v *autoreply.Version) ([]byte, error) { return autoreply.Export(v.Snapshot) },
		diff: func(_ *http.Request, _ *core.ConsoleCtx, from, to *autoreply.Version) ([]errs.Phrase, error) {
			return autoreply.Changes(from.Snapshot, to.Snapshot), nil
		},
		same:    "The two versions have the same rules.",
		live:    "followers get these replies now",
		drafted: "followers get it once you publish it."}
	hist.one = core.View{Title: "Auto-reply version", Template: "mp/autoreply_version", Load: func(r *http.Request, p *core.Page) error {
		head, err := hist.head(r, p)
		if err != nil {
			return err
		}
		d := &autoReplyVersionData{versionHead: head}
		if _, ok := r.URL.Query()["try"]; ok {
			d.Tried, d.Try = true, strings.TrimSpace(r.URL.Query().Get("try"))
			// Several matching rules or a random reply: show the first choice.
			for _, rep := range head.Version.Snapshot.Reply(d.Try, func(int) int { return 0 }) {
				d.Answer = append(d.Answer, autoreply.SummaryPhrase(rep))
			}
		}
		p.Data = d
		return nil
	}}
	hist.register(u, h)
}

type autoReplyVersionData struct {
	versionHead[*autoreply.Version]
	Try    string        // a message to try
	Answer []errs.Phrase // what it gets
	Tried  bool
}
