package console

import (
	"database/sql"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/inuse"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
)

// publishHomeData is the console's publishing overview.
type publishHomeData struct {
	Quota     *publish.Quota
	Drafts    []*publish.Publication
	Published []*publish.Publication
	Jobs      []*publish.Job
	Zone      string
}

func (u *UI) loadPublishHome(r *http.Request, p *core.Page) error {
	c := p.Console
	ctx := r.Context()
	d := &publishHomeData{Zone: c.Account.Timezone}
	var err error
	if d.Quota, err = u.Publish.Quota(ctx, c.Account); err != nil {
		return err
	}
	if d.Drafts, err = u.Publish.List(ctx, c.Account.ID, []string{publish.StateDraft}, 0, 50); err != nil {
		return err
	}
	if d.Published, err = u.Publish.List(ctx, c.Account.ID, []string{publish.StatePublished}, 0, 20); err != nil {
		return err
	}
	if d.Jobs, err = u.Publish.Jobs(ctx, c.Account.ID, 30); err != nil {
		return err
	}
	p.Data = d
	return nil
}

// articleForm is one article block of the editor.
type articleForm struct {
	Idx int
	publish.ArticleInput
	ID   int64 // saved article, for preview links
	Last bool
}

// editorData is the draft editor.
type editorData struct {
	Draft        *publish.Publication // nil while new
	Kind         string
	VideoMediaID string
	Articles     []articleForm
	Images       []*publish.Asset
	Videos       []*publish.Asset
	Quota        *publish.Quota
	Tags         []tagOption
	CanMass      bool
	Zone         string
	Unsaved      bool
	Max          int
	At           string        // the schedule field, refilled
	WebApps      []*webapp.App // linked web apps an article can open
}

type tagOption struct {
	ID    int64
	Name  string
	Count int64
}

// Num is the article's position, counting from 1.
func (a articleForm) Num() int { return a.Idx + 1 }

// Full reports whether no more articles fit.
func (d *editorData) Full() bool { return len(d.Articles) >= publish.MaxArticles }

func (u *UI) editorFor(r *http.Request, c *core.ConsoleCtx, d *editorData) error {
	ctx := r.Context()
	var err error
	if d.Images, err = u.Publish.Assets(ctx, c.Account.ID, publish.AssetImage, 200); err != nil {
		return err
	}
	if d.Videos, err = u.Publish.Assets(ctx, c.Account.ID, publish.AssetVideo, 100); err != nil {
		return err
	}
	if d.Quota, err = u.Publish.Quota(ctx, c.Account); err != nil {
		return err
	}
	d.Tags = u.accountTags(r, c.Account.ID)
	d.CanMass = c.Can(account.ActMassSend)
	d.Zone = c.Account.Timezone
	d.Max = publish.MaxArticles
	if u.WebApps != nil {
		d.WebApps, _ = u.WebApps.List(r.Context(), c.Account.ID)
	}
	for i := range d.Articles {
		d.Articles[i].Idx = i
		d.Articles[i].Last = i == len(d.Articles)-1
	}
	return nil
}

// accountTags lists the account's follower tags for targeting (empty when
// the tags feature is not installed).
func (u *UI) accountTags(r *http.Request, accountID int64) []tagOption {
	rows, err := u.Publish.DB().Query(r.Context(), `SELECT id, name, follower_count FROM tags WHERE account_id = ? ORDER BY name_key LIMIT 200`, accountID)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (tagOption, error) {
		var t tagOption
		return t, r.Scan(&t.ID, &t.Name, &t.Count)
	})
	if err != nil {
		return nil
	}
	return list
}

func (u *UI) renderEditor(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, d *editorData, status int, formErr error) error {
	if err := u.editorFor(r, c, d); err != nil {
		return err
	}
	title := "New draft"
	if d.Draft != nil {
		title = "Edit draft"
	}
	p := u.NewPage(w, r, title, d)
	p.Console = c
	if formErr != nil {
		return u.FormError(w, r, "mp/publish_editor", p, formErr)
	}
	return u.Render(w, r, status, "mp/publish_editor", p)
}

func (u *UI) publishNew(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	kind := r.URL.Query().Get("kind")
	if kind != publish.KindVideo && kind != publish.KindImage {
		kind = publish.KindNews
	}
	// A new article is written in rich text; Markdown stays a choice.
	d := &editorData{Kind: kind, Articles: []articleForm{{ArticleInput: publish.ArticleInput{CommentsOpen: true, BodyFormat: publish.FormatHTML}}}}
	return u.renderEditor(w, r, c, d, http.StatusOK, nil)
}

func (u *UI) draftFromPath(r *http.Request, c *core.ConsoleCtx) (*publish.Publication, error) {
	return core.InPath(r, c.Account.ID, "draft", u.Publish.Publication)
}

func (u *UI) publishEdit(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	pub, err := u.draftFromPath(r, c)
	if err != nil {
		return err
	}
	if pub.State != publish.StateDraft {
		return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/publish", c.Account.ID), u.T(r, "That publication is %s; only drafts can be edited.", u.Known(u.Locale(r), core.Label(pub.State))))
	}
	return u.renderEditor(w, r, c, draftEditor(pub), http.StatusOK, nil)
}

// draftEditor is the editor holding a saved draft.
func draftEditor(pub *publish.Publication) *editorData {
	d := &editorData{Draft: pub, Kind: pub.Kind, VideoMediaID: pub.VideoMediaID}
	for _, a := range pub.Articles {
		d.Articles = append(d.Articles, articleForm{ArticleInput: a.Input(), ID: a.ID})
	}
	return d
}

// loadDraftEditor fills the editor of the draft named in the path, to
// re-show a form sent from it (send a preview, send) with its error.
func (u *UI) loadDraftEditor(r *http.Request, p *core.Page) error {
	pub, err := u.draftFromPath(r, p.Console)
	if err != nil {
		return err
	}
	d := draftEditor(pub)
	if err := u.editorFor(r, p.Console, d); err != nil {
		return err
	}
	p.Data = d
	return nil
}

// loadSendEditor is loadDraftEditor for the send form: the schedule field
// is refilled and the message shows over the form too.
func (u *UI) loadSendEditor(r *http.Request, p *core.Page) error {
	if err := u.loadDraftEditor(r, p); err != nil {
		return err
	}
	p.Data.(*editorData).At = r.PostFormValue("at")
	for _, msg := range p.Fields {
		p.Error = msg
	}
	return nil
}

// parseEditor reads the editor form: n article blocks named field_i.
func parseEditor(r *http.Request) *editorData {
	f := r.PostForm
	d := &editorData{Kind: f.Get("kind"), VideoMediaID: f.Get("video")}
	n, _ := strconv.Atoi(f.Get("n"))
	n = max(0, min(n, publish.MaxArticles+1))
	for i := range n {
		g := func(name string) string { return f.Get(fmt.Sprintf("%s_%d", name, i)) }
		a := publish.ArticleInput{Title: g("title"), Author: g("author"), Digest: g("digest"), CoverMediaID: g("cover"), BodyFormat: g("format"),
			Body: g("body"), SourceURL: g("source_url"), CommentsOpen: g("comments") != "", FansOnlyComments: g("fans_only") != ""}
		// Fields only the developer API sets travel along unchanged.
		a.ShowCoverPic, a.PicCrop2351, a.PicCrop11 = g("show_cover") != "", g("crop235"), g("crop11")
		if v := g("images"); v != "" {
			a.ImageIDs = strings.Split(v, ",")
		}
		d.Articles = append(d.Articles, articleForm{ArticleInput: a})
	}
	return d
}

func (d *editorData) input() publish.DraftInput {
	in := publish.DraftInput{Kind: d.Kind, VideoMediaID: d.VideoMediaID}
	for _, a := range d.Articles {
		in.Articles = append(in.Articles, a.ArticleInput)
	}
	return in
}

// publishSave saves the editor. The op button says what else to do:
// "add" an article block (not saved until the next save), move one "up" or
// "down", "remove" one, or just "save".
func (u *UI) publishSave(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	if err := parseMultipartOrForm(w, r); err != nil {
		return err
	}
	d := parseEditor(r)
	var draftID int64
	var err error
	if v := r.PostFormValue("draft"); v != "" {
		if draftID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errs.NotFoundf("No such draft.")
		}
		if d.Draft, err = u.Publish.Publication(r.Context(), c.Account.ID, draftID); err != nil {
			return err
		}
	}
	op, arg, _ := strings.Cut(r.PostFormValue("op"), ":")
	i, _ := strconv.Atoi(arg)
	switch op {
	case "add":
		if len(d.Articles) >= publish.MaxArticles {
			return u.renderEditor(w, r, c, d, http.StatusUnprocessableEntity, errs.Invalidf("A publication holds at most %d articles.", publish.MaxArticles))
		}
		d.Articles = append(d.Articles, articleForm{ArticleInput: publish.ArticleInput{CommentsOpen: true, BodyFormat: publish.FormatHTML}})
		d.Unsaved = true
		return u.renderEditor(w, r, c, d, http.StatusOK, nil)
	case "up", "down", "remove":
		if i < 0 || i >= len(d.Articles) {
			break
		}
		switch {
		case op == "remove" && len(d.Articles) > 1:
			d.Articles = append(d.Articles[:i], d.Articles[i+1:]...)
		case op == "up" && i > 0:
			d.Articles[i-1], d.Articles[i] = d.Articles[i], d.Articles[i-1]
		case op == "down" && i < len(d.Articles)-1:
			d.Articles[i+1], d.Articles[i] = d.Articles[i], d.Articles[i+1]
		}
	}
	pub, err := u.Publish.SaveDraft(r.Context(), c.Account.ID, web.Person(r).ID, draftID, d.input())
	if err != nil {
		d.Unsaved = true
		return u.renderEditor(w, r, c, d, http.StatusUnprocessableEntity, err)
	}
	next := fmt.Sprintf("/mp/a/%d/publish/d/%d", c.Account.ID, pub.ID)
	if r.PostFormValue("then") == "preview" {
		next += "/preview"
	}
	return u.Redirect(w, r, next, "Draft saved.")
}

func parseMultipartOrForm(w http.ResponseWriter, r *http.Request) error {
	return core.ParseFormLimit(w, r, 10<<20, errs.Invalidf("The draft is too large (at most 10 MB in one save)."))
}

// publishPhonePreview shows a draft as followers will see it, in a
// phone-sized frame.
func (u *UI) loadPhonePreview(r *http.Request, p *core.Page) error {
	pub, err := u.draftFromPath(r, p.Console)
	if err != nil {
		return err
	}
	if len(pub.Articles) == 0 {
		return errs.NotFoundf("This draft has no articles.")
	}
	i, _ := strconv.Atoi(r.URL.Query().Get("i"))
	i = max(0, min(i, len(pub.Articles)-1))
	rd, err := u.Publish.Read(r.Context(), pub.Articles[i].ID, web.Person(r).ID, pub.PreviewKey)
	if err != nil {
		return err
	}
	d := u.ArticleData(rd, pub.PreviewKey)
	p.Title, p.Data = u.T(r, "Preview: %s", rd.Article.Title), &phonePreview{ArticlePage: d, Draft: pub, Index: i}
	return nil
}

type phonePreview struct {
	*core.ArticlePage
	Draft *publish.Publication
	Index int
}

func (u *UI) publishSendPreview(r *http.Request, c *core.ConsoleCtx, pub *publish.Publication) (core.Done, error) {
	n, err := u.Publish.SendPreview(r.Context(), c.Account.ID, pub.ID, []string{r.PostFormValue("to")})
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("publish/d/%d", pub.ID), Flash: u.T(r, "Preview sent to %d follower(s).", n)}, nil
}

// sendTime reads the send form's schedule: zero for now, else a time in
// the account's time zone.
func sendTime(r *http.Request, c *core.ConsoleCtx) (time.Time, error) {
	if r.PostForm.Get("when") != "later" {
		return time.Time{}, nil
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("at"), c.Account.Location())
	if err != nil {
		return time.Time{}, errs.FieldInvalid("at", "Choose a date and time for the scheduled send.")
	}
	return at, nil
}

// massConfirm is the page that asks before a mass send: who gets it and
// what it spends.
type massConfirm struct {
	Draft    *publish.Publication
	Audience int64  // followers it goes to
	Target   string // "all followers" or the tag's name
	Quota    *publish.Quota
	LeftThen int    // mass sends left this month after this one
	When     string // "" for now, else the local time
	Zone     string
}

// confirmMassSend answers the editor's mass send (the form says review=1)
// with a page showing the audience and the quota it spends, whose button
// sends it (confirmed=1). A send with no quota left goes on to fail with
// its own message.
func (u *UI) confirmMassSend(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, pub *publish.Publication) (bool, error) {
	f := r.PostForm
	if f.Get("mode") != publish.ModeMass || f.Get("review") != "1" || f.Get("confirmed") == "1" || !c.Can(account.ActMassSend) {
		return false, nil
	}
	at, err := sendTime(r, c)
	if err != nil {
		return false, err
	}
	q, err := u.Publish.Quota(r.Context(), c.Account)
	if err != nil {
		return false, err
	}
	if q.Left <= 0 {
		return false, nil
	}
	d := &massConfirm{Draft: pub, Audience: c.Account.FollowerCount, Target: u.T(r, "all followers"), Quota: q, LeftThen: q.Left - 1, Zone: c.Account.Timezone}
	if t := f.Get("target"); strings.HasPrefix(t, "tag:") {
		id, _ := strconv.ParseInt(strings.TrimPrefix(t, "tag:"), 10, 64)
		found := false
		for _, tag := range u.accountTags(r, c.Account.ID) {
			if tag.ID == id {
				d.Audience, d.Target, found = tag.Count, u.T(r, "the followers tagged “%s”", tag.Name), true
			}
		}
		if !found {
			return false, errs.FieldInvalid("tag", "Choose a tag of this account.")
		}
	}
	if !at.IsZero() {
		d.When = calWhen(u.Locale(r), at, at.Location(), "2 Jan 2006 15:04", "datetime")
	}
	p := u.NewPage(w, r, "Confirm the mass send", d)
	p.Console, p.Form = c, f
	return true, u.Render(w, r, http.StatusOK, "mp/publish_confirm", p)
}

// publishSend publishes or mass-sends a draft now or at a time in the
// account's time zone.
func (u *UI) publishSend(r *http.Request, c *core.ConsoleCtx, pub *publish.Publication) (core.Done, error) {
	f := r.PostForm
	opts := publish.SendOptions{Mode: f.Get("mode")}
	if opts.Mode == publish.ModeMass {
		if !c.Can(account.ActMassSend) {
			return core.Done{}, core.AsPage(errs.Forbiddenf("Your role (%s) may publish but not mass-send.", c.Role))
		}
		if t := f.Get("target"); strings.HasPrefix(t, "tag:") {
			opts.Target = publish.TargetTag
			opts.TagID, _ = strconv.ParseInt(strings.TrimPrefix(t, "tag:"), 10, 64)
		}
	}
	at, err := sendTime(r, c)
	if err != nil {
		return core.Done{}, err
	}
	opts.At = at
	j, err := u.Publish.Send(r.Context(), c.Account.ID, web.Person(r).ID, pub.ID, opts)
	if err != nil {
		return core.Done{}, err
	}
	msg := u.T(r, "Scheduled for %s (%s).", calWhen(u.Locale(r), j.RunAt, c.Account.Location(), "2 Jan 2006 15:04", "datetime"), c.Account.Timezone)
	if opts.At.IsZero() {
		if opts.Mode == publish.ModeMass {
			msg = "Mass send started."
		} else {
			msg = "Published."
		}
		if u.PublishEngine != nil {
			if opts.Mode == publish.ModePublish {
				if _, err := u.PublishEngine.Run(r.Context(), j.ID); err != nil {
					return core.Done{}, core.AsPage(err)
				}
			} else {
				u.PublishEngine.Wake()
			}
		}
	}
	return core.Done{To: "publish", Flash: msg}, nil
}

func (u *UI) publishDeleteDraft(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	if err := u.Publish.DeleteDraft(r.Context(), c.Account.ID, pid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "publish", Flash: "Draft deleted."}, nil
}

func (u *UI) publishDeletePublished(r *http.Request, c *core.ConsoleCtx, pid int64) (core.Done, error) {
	if err := u.Publish.DeletePublished(r.Context(), c.Account.ID, pid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "publish", Flash: "Publication deleted: its pages now say so."}, nil
}

// publishRender is the editor's live preview: the body as readers will get
// it, sanitised.
func (u *UI) publishRender(w http.ResponseWriter, r *http.Request, _ *core.ConsoleCtx) error {
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	if err := r.ParseForm(); err != nil {
		return errs.Invalidf("The text is too large to preview.")
	}
	h, err := publish.RenderBody(r.PostFormValue("format"), r.PostFormValue("body"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write([]byte(h))
	return err
}

// publishJob reports a job's progress as JSON (the console polls it).
func (u *UI) publishJob(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	j, err := core.InPath(r, c.Account.ID, "job", u.Publish.Job)
	if err != nil {
		return err
	}
	// The texts the Publish page's live row shows, in the viewer's language.
	l := u.Locale(r)
	return web.JSON(w, http.StatusOK, map[string]any{"msg_id": strconv.FormatInt(j.APIID, 10), "state": j.State, "expected": j.Expected,
		"total_count": j.TotalCount, "filter_count": j.FilterCount, "sent_count": j.SentCount, "error_count": j.ErrorCount,
		"capped_count": j.CappedCount, "percent": j.Percent(), "finished": j.Finished(), "error": j.Error,
		"state_label": u.Known(l, core.Label(j.State)),
		"report":      l.T("%d total · %d after filtering · %d sent · %d errors", j.TotalCount, j.FilterCount, j.SentCount, j.ErrorCount),
		"capped_text": l.T("%d skipped: they had their 4 mass sends this month", j.CappedCount)})
}

func (u *UI) publishCancel(r *http.Request, c *core.ConsoleCtx, jid int64) (core.Done, error) {
	if err := u.Publish.Cancel(r.Context(), c.Account.ID, jid); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "publish", Flash: "Scheduled send cancelled; the draft is back in Drafts."}, nil
}

// mediaData is the media library page.
type mediaData struct {
	Assets []*publish.Asset
	Kind   string
}

func (u *UI) mediaView() core.View {
	return core.View{Title: "Media library", Template: "mp/publish_media", Load: u.loadMedia}
}

func (u *UI) loadMedia(r *http.Request, p *core.Page) error {
	kind := r.URL.Query().Get("kind")
	list, err := u.Publish.Assets(r.Context(), p.Console.Account.ID, kind, 200)
	p.Data = &mediaData{Assets: list, Kind: kind}
	return err
}

// mediaUpload adds a file to the library. With Accept: application/json
// (the editor's image button) it answers with the new asset.
func (u *UI) mediaUpload(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	r.Body = http.MaxBytesReader(w, r.Body, 11<<20)
	var uploadErr error
	var a *publish.Asset
	file, hdr, err := r.FormFile("file")
	switch {
	case err != nil:
		if core.TooLarge(err) {
			uploadErr = errs.FieldInvalid("file", "The file is larger than the limit of 10 MB.")
		} else {
			uploadErr = errs.FieldInvalid("file", "Choose a file to upload.")
		}
	default:
		defer file.Close()
		a, uploadErr = u.Publish.Upload(r.Context(), c.Account.ID, r.FormValue("kind"), hdr.Filename, file)
	}
	if core.WantsJSON(r) {
		if uploadErr != nil {
			return web.JSON(w, web.Status(uploadErr), map[string]any{"error": errs.Message(uploadErr)})
		}
		return web.JSON(w, http.StatusOK, map[string]any{"media_id": a.MediaID, "url": a.URL(), "markdown": "![" + a.Name + "](" + a.URL() + ")"})
	}
	if uploadErr != nil {
		return u.Show(w, r, c, u.mediaView(), uploadErr)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/media", c.Account.ID), u.T(r, "Uploaded %s.", a.Name))
}

// assetInPath reads the library file named in the path.
func (u *UI) assetInPath(r *http.Request, c *core.ConsoleCtx) (*publish.Asset, error) {
	return u.Publish.Asset(r.Context(), c.Account.ID, r.PathValue("media"))
}

func (u *UI) mediaDelete(r *http.Request, c *core.ConsoleCtx, asset *publish.Asset) (core.Done, error) {
	// As on WeChat (del_material's 48005): not while a menu or an
	// auto-reply sends it.
	if u.MenuStore != nil && u.AutoReplies != nil {
		used, err := inuse.Checker{Menus: u.MenuStore, AutoReplies: u.AutoReplies}.Asset(r.Context(), c.Account.ID, asset)
		if err != nil {
			return core.Done{}, err
		}
		if used {
			return core.Done{}, errs.Conflictf("%s is sent by a menu button or an auto-reply; change them before deleting it.", asset.Name)
		}
	}
	if err := u.Publish.DeleteAsset(r.Context(), c.Account.ID, asset.MediaID); err != nil {
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "media", Flash: "Deleted."}, nil
}

// commentsData is the comment moderation page.
type commentsData struct {
	Comments []*publish.Comment
}

func (u *UI) loadComments(r *http.Request, p *core.Page) error {
	list, err := u.Publish.AccountComments(r.Context(), p.Console.Account.ID, 0, 200)
	p.Data = &commentsData{Comments: list}
	return err
}

func (u *UI) commentModerate(r *http.Request, c *core.ConsoleCtx, cid int64) (core.Done, error) {
	ctx := r.Context()
	var err error
	var msg string
	switch r.PostFormValue("op") {
	case "feature":
		err, msg = u.Publish.Feature(ctx, c.Account.ID, cid, true), "Comment featured: it shows first."
	case "unfeature":
		err, msg = u.Publish.Feature(ctx, c.Account.ID, cid, false), "Comment no longer featured."
	case "reply":
		err, msg = u.Publish.Reply(ctx, c.Account.ID, cid, r.PostFormValue("reply")), "Reply saved."
	case "delete":
		err, msg = u.Publish.DeleteComment(ctx, c.Account.ID, cid), "Comment deleted."
	default:
		err = errs.Invalidf("Unknown action.")
	}
	if err != nil {
		if errs.KindOf(err) != errs.KindInvalid {
			return core.Done{}, core.AsPage(err)
		}
		return core.Done{}, err
	}
	return core.Done{To: "comments", Flash: msg}, nil
}

// Local writes t as a <time> the viewer reads in their own zone, like
// every time in the console (core.TimeTag).
func (d *publishHomeData) Local(t time.Time) template.HTML { return core.TimeTag(t, "datetime", "") }

// registerPublishing adds the publishing overview, drafts, jobs, the media
// library and comment moderation.
func (u *UI) registerPublishing(h core.Route) {
	if u.Publish == nil {
		return
	}
	pub, med := u.Member(account.ActPublish), u.Member(account.ActMedia)
	draft := func(r *http.Request, c *core.ConsoleCtx) (*publish.Publication, error) { return u.draftFromPath(r, c) }
	id := func(name string) func(*http.Request, *core.ConsoleCtx) (int64, error) {
		return func(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return core.PathID(r, name) }
	}
	editor := core.View{Title: "Edit draft", Template: "mp/publish_editor", Load: u.loadDraftEditor}
	sending := core.View{Title: "Edit draft", Template: "mp/publish_editor", Load: u.loadSendEditor}
	comments := core.View{Title: "Comments", Template: "mp/publish_comments", Load: u.loadComments}
	h("GET /mp/a/{account}/publish", u.Get(pub, core.View{Title: "Publish", Template: "mp/publish", Load: u.loadPublishHome}))
	h("GET /mp/a/{account}/publish/new", u.In(pub, u.publishNew))
	h("GET /mp/a/{account}/publish/d/{draft}", u.In(pub, u.publishEdit))
	h("POST /mp/a/{account}/publish/save", u.In(pub, u.publishSave))
	h("GET /mp/a/{account}/publish/d/{draft}/preview", u.Get(pub, core.View{Template: "mp/publish_preview", Load: u.loadPhonePreview}))
	h("POST /mp/a/{account}/publish/d/{draft}/preview", core.Post(u.UI, pub, core.Form[*publish.Publication]{View: editor, Parse: draft, Do: u.publishSendPreview}))
	h("POST /mp/a/{account}/publish/d/{draft}/send", core.Post(u.UI, pub, core.Form[*publish.Publication]{View: sending, Parse: draft, Ask: u.confirmMassSend, Do: u.publishSend}))
	h("POST /mp/a/{account}/publish/d/{draft}/delete", core.Post(u.UI, pub, core.Form[int64]{Parse: id("draft"), Do: u.publishDeleteDraft}))
	h("POST /mp/a/{account}/publish/p/{pub}/delete", core.Post(u.UI, pub, core.Form[int64]{Parse: id("pub"), Do: u.publishDeletePublished}))
	h("POST /mp/a/{account}/publish/render", u.In(pub, u.publishRender))
	h("GET /mp/a/{account}/publish/jobs/{job}", u.In(pub, u.publishJob))
	h("POST /mp/a/{account}/publish/jobs/{job}/cancel", core.Post(u.UI, pub, core.Form[int64]{Parse: id("job"), Do: u.publishCancel}))
	h("GET /mp/a/{account}/media", u.Get(med, u.mediaView()))
	h("POST /mp/a/{account}/media", u.In(med, u.mediaUpload))
	h("POST /mp/a/{account}/media/{media}/delete", core.Post(u.UI, med, core.Form[*publish.Asset]{View: u.mediaView(), Parse: u.assetInPath, Do: u.mediaDelete}))
	h("GET /mp/a/{account}/comments", u.Get(pub, comments))
	h("POST /mp/a/{account}/comments/{comment}", core.Post(u.UI, pub, core.Form[int64]{View: comments, Parse: id("comment"), Do: u.commentModerate}))
	u.AddNav(core.NavItem{Label: "Publish", Path: "publish", Action: account.ActPublish, Order: 20})
	u.AddNav(core.NavItem{Label: "Media", Path: "media", Action: account.ActMedia, Order: 21})
	u.AddNav(core.NavItem{Label: "Comments", Path: "comments", Action: account.ActPublish, Order: 22})
}
