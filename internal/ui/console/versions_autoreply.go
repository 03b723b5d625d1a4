package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The auto-replies' version history: the same as the menu's (see
// versions.go), with a "try a message" preview instead of a follower's menu.

// registerAutoReplyVersions adds the auto-reply history pages.
func (u *UI) registerAutoReplyVersions(h core.Route) {
	if u.AutoReplies == nil {
		return
	}
	h("GET /mp/a/{account}/autoreply/versions", u.autoReplyVersions)
	h("POST /mp/a/{account}/autoreply/versions/import", u.autoReplyVersionImport)
	h("GET /mp/a/{account}/autoreply/versions/{number}", u.autoReplyVersion)
	h("GET /mp/a/{account}/autoreply/versions/{number}/export", u.autoReplyVersionExport)
	h("POST /mp/a/{account}/autoreply/versions/{number}/publish", core.Post(u.UI, u.Member(account.ActAutoReply), core.Form[int64]{
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return pathNumber(r) },
		Do:    u.autoReplyVersionPublish}))
}

type autoReplyVersionsData struct {
	Versions []*autoreply.Version
	Current  int64
	From, To int64
	Diff     []string
	Compared bool
}

func (u *UI) autoReplyVersions(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Auto-reply history", nil)
	p.Console = c
	return u.renderAutoReplyVersions(w, r, p, c, http.StatusOK)
}

func (u *UI) renderAutoReplyVersions(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
	ctx := r.Context()
	d := &autoReplyVersionsData{}
	var err error
	if d.Versions, err = u.AutoReplies.Versions(ctx, c.Account.ID, 0, 100); err != nil {
		return err
	}
	if cur, err := u.AutoReplies.CurrentVersion(ctx, c.Account.ID); err == nil {
		d.Current = cur.Number
	} else if !errors.Is(err, confver.ErrNoVersion) {
		return err
	}
	q := r.URL.Query()
	d.From, _ = strconv.ParseInt(q.Get("from"), 10, 64)
	d.To, _ = strconv.ParseInt(q.Get("to"), 10, 64)
	if d.From > 0 && d.To > 0 {
		from, err := u.AutoReplies.Version(ctx, c.Account.ID, d.From)
		if err != nil {
			return err
		}
		to, err := u.AutoReplies.Version(ctx, c.Account.ID, d.To)
		if err != nil {
			return err
		}
		d.Compared, d.Diff = true, autoreply.Diff(from.Snapshot, to.Snapshot)
	} else if len(d.Versions) > 1 {
		d.From, d.To = d.Versions[1].Number, d.Versions[0].Number
	}
	p.Data = d
	return u.Render(w, r, status, "mp/autoreply_versions", p)
}

type autoReplyVersionData struct {
	Version *autoreply.Version
	Current *autoreply.Version
	Diff    []string
	Try     string   // a message to try
	Answer  []string // what it gets
	Tried   bool
}

// autoReplyVersion shows one version: its rules, what a message would get
// from it, and how it differs from the live rules.
func (u *UI) autoReplyVersion(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := u.AutoReplies.Version(ctx, c.Account.ID, n)
	if err != nil {
		return err
	}
	d := &autoReplyVersionData{Version: v}
	if d.Current, err = u.AutoReplies.CurrentVersion(ctx, c.Account.ID); err != nil && !errors.Is(err, confver.ErrNoVersion) {
		return err
	}
	if d.Current != nil && d.Current.Number != v.Number {
		d.Diff = autoreply.Diff(d.Current.Snapshot, v.Snapshot)
	}
	if _, ok := r.URL.Query()["try"]; ok {
		d.Tried, d.Try = true, strings.TrimSpace(r.URL.Query().Get("try"))
		// Several matching rules or a random reply: show the first choice.
		for _, rep := range v.Snapshot.Reply(d.Try, func(int) int { return 0 }) {
			d.Answer = append(d.Answer, autoreply.Summary(rep))
		}
	}
	p := u.NewPage(w, r, fmt.Sprintf("Auto-reply version %d", v.Number), d)
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/autoreply_version", p)
}

func (u *UI) autoReplyVersionExport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	v, err := u.AutoReplies.Version(r.Context(), c.Account.ID, n)
	if err != nil {
		return err
	}
	body, err := autoreply.Export(v.Snapshot)
	if err != nil {
		return err
	}
	return downloadJSON(w, fmt.Sprintf("autoreply-%d-v%d.json", c.Account.ID, v.Number), body)
}

func (u *UI) autoReplyVersionPublish(r *http.Request, c *core.ConsoleCtx, n int64) (core.Done, error) {
	v, err := u.AutoReplies.Publish(authored(r), c.Account.ID, n)
	if err != nil {
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "autoreply/versions", Flash: v.Note + ": followers get these replies now (version " + strconv.FormatInt(v.Number, 10) + ")."}, nil
}

func (u *UI) autoReplyVersionImport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActAutoReply)
	if err != nil {
		return err
	}
	if err := parseMultipart(w, r); err != nil {
		return err
	}
	var data []byte
	if f, _, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, 1<<20))
		f.Close()
		if err != nil {
			return errs.Invalidf("The file could not be read.")
		}
	}
	if strings.TrimSpace(string(data)) == "" {
		data = []byte(r.PostFormValue("json"))
	}
	p := u.NewPage(w, r, "Auto-reply history", nil)
	p.Console = c
	if strings.TrimSpace(string(data)) == "" {
		p.Fields["file"] = "Choose a JSON file or paste the JSON."
		return u.renderAutoReplyVersions(w, r, p, c, http.StatusUnprocessableEntity)
	}
	v, err := u.AutoReplies.Import(authored(r), c.Account.ID, data, r.PostFormValue("note"))
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p.Form = r.PostForm
		p.Error = "Not imported: " + e.Message
		return u.renderAutoReplyVersions(w, r, p, c, web.Status(err))
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/autoreply/versions/%d", c.Account.ID, v.Number),
		fmt.Sprintf("Imported as version %d, a draft: followers get it once you publish it.", v.Number))
}
