package follower

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// chatMsg is one message as the conversation page shows it.
type chatMsg struct {
	*message.Message
	// The message's fields the page reads for every message, copied here:
	// html/template finds a field promoted from an embedded struct with
	// reflect's FieldByNameFunc, which allocates on every use.
	ID        int64
	Kind      string
	Body      message.Body
	CreatedAt time.Time
	Mine      bool   // sent by the follower
	MediaURL  string // image, voice, video
	ThumbURL  string // video: its cover
	MapURL    string // location
	Link      string // link, publication: where the card leads
	Preview   string
	Lines     []tmplmsg.Line // template: the card's lines
	// The sender's avatar beside the bubble, as in a messenger: the
	// account's on its messages, the follower's own on theirs (AvatarURL
	// empty: the name's initial). System notices have none.
	AvatarURL, AvatarName string
}

// chatData is the conversation page.
type chatData struct {
	// shown lists the publications on the page, for impression analytics.
	shown     []core.FolderItem
	Account   *accountCard
	Following bool
	CanSend   bool
	Notice    string // why the follower cannot send, if they cannot
	// msgs are the messages as the page shows them, oldest first, written
	// into the page's buffer by writeChatContent (writeMsg).
	msgs  []chatMsg
	Older int64 // ?before= for earlier messages, 0 when there are none
	Menu  []menuItem
	// LiveAfter is where the page's live stream replays from: an id made
	// before the page read anything, so a message stored while it renders
	// still arrives.
	LiveAfter int64
	Tab       string // the composer tab shown without JavaScript: text, image, location, or menu (the menu bar instead of the composer)
	// keyboardAhead writes the composer's panes from the pieces kept per
	// language (writeKeyboard); false makes the page's "chat_keyboard"
	// template write them, as it must for a form shown again.
	keyboardAhead bool
	// Avatars of the two sides, for messages added by the script.
	AccountAvatar, MeAvatar, MeName string
}

// menuItem is a button of the menu bar under the conversation.
type menuItem struct {
	Name string
	Kind string // "click" (a form posting Key to Href), "link" (to Href), "group" (Sub), "none"
	Key  string
	Href string
	Sub  []menuItem
}

// menuBar turns the follower's menu into at most 3 buttons of at most 5
// items each, as on WeChat.
func menuBar(accountID int64, buttons []core.MenuButton) []menuItem {
	var items []menuItem
	for i, b := range buttons {
		if i == 3 {
			break
		}
		it := menuButton(accountID, b)
		if len(b.SubButtons) > 0 {
			it = menuItem{Name: b.Name, Kind: "group"}
			for j, sb := range b.SubButtons {
				if j == 5 {
					break
				}
				it.Sub = append(it.Sub, menuButton(accountID, sb))
			}
		}
		items = append(items, it)
	}
	return items
}

func menuButton(accountID int64, b core.MenuButton) menuItem {
	it := menuItem{Name: b.Name, Kind: "none"}
	switch {
	case b.Type == "miniprogram" && b.AppID != "":
		// The linked web app (or the url fallback): see chatWebApp.
		it.Kind, it.Href = "link", fmt.Sprintf("/chat/%d/app?%s", accountID, url.Values{"appid": {b.AppID}, "pagepath": {b.PagePath}}.Encode())
	case b.URL != "" && (b.Type == "view" || b.Type == "miniprogram"):
		it.Kind, it.Href = "link", fmt.Sprintf("/chat/%d/view?url=%s", accountID, url.QueryEscape(b.URL))
	case b.Type == "article_id" || b.Type == "article_view_limited":
		if _, err := strconv.ParseInt(b.ArticleID, 10, 64); err == nil {
			it.Kind, it.Href = "link", "/s/"+b.ArticleID
		}
	case b.Key != "":
		it.Kind, it.Key, it.Href = "click", b.Key, fmt.Sprintf("/chat/%d/click", accountID)
	}
	return it
}

// historyPage is how many messages a conversation page shows at once.
const historyPage = 50

// setChatMsg fills c with m as the page shows it (the conversation page
// fills a slice of them, one allocation for all its messages).
func setChatMsg(c *chatMsg, m *message.Message) {
	*c = chatMsg{Message: m, ID: m.ID, Kind: m.Kind, Body: m.Body, CreatedAt: m.CreatedAt, Mine: m.Direction == message.In}
	switch m.Kind {
	case message.KindText, message.KindNotice, message.KindImage, message.KindVoice, message.KindVideo, message.KindLocation,
		message.KindNews, message.KindPublication, message.KindTemplate:
		// Their bubbles do not show the preview (writeBubble), whose
		// making a text's is most of the work.
	default:
		c.Preview = m.Preview()
	}
	switch m.Kind {
	case message.KindImage, message.KindVoice, message.KindVideo:
		base := "/chat/" + strconv.FormatInt(m.AccountID, 10) + "/media/" + strconv.FormatInt(m.ID, 10)
		if m.Body.MediaKey != "" {
			c.MediaURL = base
		}
		if m.Body.ThumbKey != "" {
			c.ThumbURL = base + "?thumb=1"
		}
	case message.KindLocation:
		c.MapURL = fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=16/%.6f/%.6f", m.Body.Lat, m.Body.Lng, m.Body.Lat, m.Body.Lng)
	case message.KindLink, message.KindMusic, message.KindTemplate, message.KindProduct, message.KindReceipt:
		c.Link = m.Body.URL
		if m.Kind == message.KindTemplate {
			c.Lines = templateLines(m)
		}
	case message.KindPublication:
		c.Link = m.Body.URL // the first article's reading page
	}
}

// loadChat builds the conversation page for the signed-in person, whose
// relation to a is f (nil when they never followed). menu is the menu's
// text read with the account (core.MenuInStatement), nil when it was not:
// then it is read here.
func (u *UI) loadChat(r *http.Request, a *account.Account, f *follow.Follow, beforeID int64, menu *string) (*chatData, error) {
	ctx := r.Context()
	me := web.Person(r)
	d := &chatData{Account: u.card(a), Tab: "text", LiveAfter: id.Floor(time.Now())}
	if f != nil {
		d.Following, d.Account.Following, d.Account.Muted = f.Following, f.Following, f.Muted
	}
	switch {
	case !d.Following:
		d.Notice = u.T(r, "Follow %s to message it.", a.Name)
	case f.Blocked:
		d.Notice = core.MessageIn(message.ErrBlocked, u.Locale(r))
	case a.Status != account.StatusActive:
		why, err := u.unavailable(r, a)
		if err != nil {
			return nil, err
		}
		d.Notice = why + " " + u.T(r, "You cannot send messages to it; your conversation stays here to read.")
	default:
		d.CanSend = true
	}
	msgs, err := u.Messages.History(ctx, a.ID, me.ID, beforeID, historyPage+1)
	if err != nil {
		return nil, err
	}
	if len(msgs) > historyPage {
		msgs = msgs[1:]
		d.Older = msgs[0].ID
	}
	d.AccountAvatar, d.MeName = d.Account.AvatarURL, me.DisplayName
	if me.AvatarPath != "" {
		d.MeAvatar = "/me/avatar"
	}
	d.msgs = make([]chatMsg, len(msgs))
	for i, m := range msgs {
		c := &d.msgs[i]
		setChatMsg(c, m)
		switch {
		case m.Kind == message.KindNotice:
		case c.Mine:
			c.AvatarURL, c.AvatarName = d.MeAvatar, d.MeName
		default:
			c.AvatarURL, c.AvatarName = d.AccountAvatar, a.Name
		}
		if m.Kind == message.KindPublication && len(m.Body.Articles) > 0 {
			if id, err := publish.ParseArticlePath(strings.TrimPrefix(m.Body.Articles[0].URL, "/s/")); err == nil {
				d.shown = append(d.shown, core.FolderItem{AccountID: a.ID, PublicationID: m.Body.PublicationID, ArticleID: id})
			}
		}
	}
	if d.Following && u.Menus != nil && a.Status == account.StatusActive {
		var buttons []core.MenuButton
		var err error
		if menu != nil {
			buttons, err = u.Menus.(core.MenuInStatement).DecodeButtons(*menu)
		} else {
			buttons, err = u.Menus.ForFollower(ctx, a.ID, me.ID)
		}
		if err != nil {
			return nil, err
		}
		d.Menu = menuBar(a.ID, buttons)
	}
	return d, nil
}

func (u *UI) chatPage(w http.ResponseWriter, r *http.Request) error {
	a, f, menu, readState, err := u.pathAccountFollow(r)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	d, err := u.loadChat(r, a, f, before, menu)
	if err != nil {
		return err
	}
	u.recordImpressions(r, d.shown, analytics.SurfaceChat)
	if t := r.URL.Query().Get("compose"); composerTabs[t] {
		d.Tab = t
	} else if len(d.Menu) > 0 {
		// As in WeChat, an account with a menu opens on its menu bar; the
		// keyboard button beside it switches to the composer.
		d.Tab = "menu"
	}
	if before == 0 {
		if err := u.Messages.MarkReadFrom(r.Context(), a.ID, web.Person(r).ID, readState); err != nil {
			return err
		}
	}
	d.keyboardAhead = true // no form shown again
	w.Header().Set("Content-Security-Policy", chatCSP)
	return u.Render(w, r, http.StatusOK, "app/chat", u.NewPage(w, r, a.Name, d))
}

// chatRead clears the unread counter (the open conversation page calls it
// when a message arrives live).
func (u *UI) chatRead(w http.ResponseWriter, r *http.Request) error {
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	if err := u.Messages.MarkRead(r.Context(), a.ID, web.Person(r).ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// wantsJSON reports whether the page's script sent the request.
func wantsJSON(r *http.Request) bool {
	acc := r.Header.Get("Accept")
	return strings.Contains(acc, "application/json") && !strings.Contains(acc, "text/html")
}

// chatSend hands what the follower sends (text, an image, a voice
// message, a video, a link, a location) to
// the conversation, which checks and stores it and lets the account answer.
func (u *UI) chatSend(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		// The form's address names its kind (?kind=), so that a file too
		// large to read is still explained next to the right field.
		fk, ok := uploadKinds[r.URL.Query().Get("kind")]
		if !ok {
			fk = uploadKinds[message.KindImage]
		}
		r.Body = http.MaxBytesReader(w, r.Body, fk.limit.MaxBytes+(1<<20))
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			if core.TooLarge(err) {
				return u.sendError(w, r, a, fk.field, errs.FieldInvalid(fk.field, "This %s is larger than the limit of %s.", fk.limit.Name, media.HumanSize(fk.limit.MaxBytes)))
			}
			return u.sendError(w, r, a, fk.field, errs.FieldInvalid(fk.field, "The upload could not be read. Try again."))
		}
		defer r.MultipartForm.RemoveAll()
	} else if err := core.ParseForm(w, r); err != nil {
		return err
	}
	kind := r.PostForm.Get("kind")
	if err := u.AllowSend(r.Context(), me.ID); err != nil {
		return u.sendError(w, r, a, kind, err)
	}
	in := message.Incoming{Kind: kind}
	switch kind {
	case message.KindText:
		in.Body.Text = r.PostForm.Get("text")
	case message.KindLocation:
		in.Body = message.Body{Lat: formFloat(r, "lat"), Lng: formFloat(r, "lng"), Label: strings.TrimSpace(r.PostForm.Get("label")), Scale: 15}
	case message.KindLink:
		in.Body = message.Body{URL: strings.TrimSpace(r.PostForm.Get("url")), Title: strings.TrimSpace(r.PostForm.Get("title")),
			Description: strings.TrimSpace(r.PostForm.Get("description"))}
	case message.KindImage, message.KindVoice, message.KindVideo:
		if r.MultipartForm != nil {
			if file, _, err := r.FormFile(kind); err == nil {
				defer file.Close()
				in.File = file
			}
			if file, _, err := r.FormFile("thumb"); err == nil && kind == message.KindVideo {
				defer file.Close()
				in.Thumb = file // the cover the page's script took from the video
			}
		}
	default:
		return u.sendError(w, r, a, "text", errs.Invalidf("Choose what to send: a message, an image, a voice message, a video, a link or a location."))
	}
	wait := message.WaitUpTo(replyWait)
	if wantsJSON(r) {
		wait = message.NoWait // the answer arrives live
	}
	p, err := u.Chat.Post(r.Context(), a.ID, me.ID, in, wait)
	if p == nil {
		return u.sendError(w, r, a, kind, err)
	}
	if wantsJSON(r) {
		return web.JSON(w, http.StatusOK, p.Message)
	}
	return u.Redirect(w, r, fmt.Sprintf("/chat/%d#latest", a.ID), "")
}

// uploadKinds are the composer's file fields and their limits.
var uploadKinds = map[string]struct {
	field string
	limit media.Kind
}{
	message.KindImage: {message.KindImage, media.Image},
	message.KindVoice: {message.KindVoice, media.RecordedVoice},
	message.KindVideo: {message.KindVideo, media.Video},
}

// composerTabs are the composer's panes, named by the kind they send.
var composerTabs = map[string]bool{message.KindText: true, message.KindImage: true, message.KindVoice: true,
	message.KindVideo: true, message.KindLink: true, message.KindLocation: true}

// chatCSP is the conversation page's content policy: the site's, with
// blob: media so that the script can show a chosen video to take its cover.
const chatCSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self'"

// formFloat reads a number field; NaN when it is not a number (the
// conversation's checks then name the field).
func formFloat(r *http.Request, name string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get(name)), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// sendError shows the conversation again with the problem next to the
// composer, keeping what the person typed.
func (u *UI) sendError(w http.ResponseWriter, r *http.Request, a *account.Account, tab string, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	// The message in the reader's language, wherever it is shown.
	e = &errs.Error{Kind: e.Kind, Field: e.Field, Message: core.MessageIn(e, u.Locale(r))}
	if wantsJSON(r) {
		web.JSONError(w, e)
		return nil
	}
	f, lerr := u.Follows.Get(r.Context(), a.ID, web.Person(r).ID)
	switch {
	case errors.Is(lerr, errs.NotFound):
		f = nil
	case lerr != nil:
		return lerr
	}
	d, lerr := u.loadChat(r, a, f, 0, nil)
	if lerr != nil {
		return lerr
	}
	if composerTabs[tab] {
		d.Tab = tab
	}
	if !d.CanSend {
		// No composer to put the message next to: show it above the page.
		e = &errs.Error{Kind: e.Kind, Message: e.Message}
	} else if e.Field == "" && composerTabs[tab] {
		e = &errs.Error{Kind: e.Kind, Field: tab, Message: e.Message}
		switch tab {
		case message.KindLocation:
			e.Field = "lat"
		case message.KindLink:
			e.Field = "url"
		}
	}
	w.Header().Set("Content-Security-Policy", chatCSP)
	return u.FormError(w, r, "app/chat", u.NewPage(w, r, a.Name, d), e)
}

// replyWait is how long a page without JavaScript waits for the account's
// answer before showing the conversation again (with JavaScript the answer
// arrives live whenever it comes).
const replyWait = 2 * time.Second

// respond records the follower's event and lets the account answer it in
// the background. For a browser without JavaScript it waits a moment, so
// the answer is usually on the page it returns to.
func (u *UI) respond(r *http.Request, accountID, personID int64, ev message.FollowerEvent) error {
	wait := message.WaitUpTo(replyWait)
	if wantsJSON(r) {
		wait = message.NoWait
	}
	if acted, err := u.Chat.Act(r.Context(), accountID, personID, ev, wait); acted == nil {
		return err
	}
	return nil // failures of the answer are logged by it
}

// menuHas finds a button of the follower's menu matching ok.
func menuHas(buttons []core.MenuButton, ok func(core.MenuButton) bool) bool {
	for _, b := range buttons {
		if ok(b) || menuHas(b.SubButtons, ok) {
			return true
		}
	}
	return false
}

// followerMenu returns the menu the signed-in person sees for a.
func (u *UI) followerMenu(r *http.Request, a *account.Account) ([]core.MenuButton, error) {
	if u.Menus == nil {
		return nil, nil
	}
	return u.Menus.ForFollower(r.Context(), a.ID, web.Person(r).ID)
}

// sendEvent records a follower's event at an account (a follow, a menu
// link opened) and lets the account answer it in the background: its
// auto-replies and the developer push.
func (u *UI) sendEvent(r *http.Request, accountID, personID int64, event, key string) error {
	_, err := u.Chat.Act(r.Context(), accountID, personID, message.FollowerEvent{Event: event, Key: key}, message.NoWait)
	return err
}

// chatClick sends a menu click to the account: only keys that the
// follower's menu really has are accepted.
func (u *UI) chatClick(w http.ResponseWriter, r *http.Request) error {
	me, a, err := u.postedAccount(w, r)
	if err != nil {
		return err
	}
	key := r.PostForm.Get("key")
	if err := u.AllowSend(r.Context(), me.ID); err != nil {
		return u.Redirect(w, r, fmt.Sprintf("/chat/%d", a.ID), core.MessageIn(err, u.Locale(r)))
	}
	buttons, err := u.followerMenu(r, a)
	if err != nil {
		return err
	}
	if key == "" || !menuHas(buttons, func(b core.MenuButton) bool { return b.Key == key && len(b.SubButtons) == 0 }) {
		return u.Redirect(w, r, fmt.Sprintf("/chat/%d", a.ID), "This menu has changed. Try again.")
	}
	if ok, err := u.Follows.IsFollowing(r.Context(), a.ID, me.ID); err != nil {
		return err
	} else if !ok {
		return u.Redirect(w, r, fmt.Sprintf("/chat/%d", a.ID), u.T(r, "Follow %s to use its menu.", a.Name))
	}
	if err := u.respond(r, a.ID, me.ID, message.FollowerEvent{Event: message.EventClick, Key: key}); err != nil {
		return err
	}
	if wantsJSON(r) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return u.Redirect(w, r, fmt.Sprintf("/chat/%d#latest", a.ID), "")
}

// chatView records a menu link being opened and sends the browser there,
// but only to a URL that the follower's menu really contains: it is never
// an open redirect.
func (u *UI) chatView(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	target := r.URL.Query().Get("url")
	buttons, err := u.followerMenu(r, a)
	if err != nil {
		return err
	}
	if target == "" || !menuHas(buttons, func(b core.MenuButton) bool { return b.URL == target && b.Type != "click" }) {
		return errs.NotFoundf("This menu link has changed. Go back to the conversation and try again.")
	}
	if pu, err := url.Parse(target); err != nil || !(pu.Scheme == "http" || pu.Scheme == "https" || (pu.Scheme == "" && pu.Host == "" && strings.HasPrefix(pu.Path, "/") && !strings.HasPrefix(pu.Path, "//"))) {
		return errs.NotFoundf("This menu link cannot be opened.")
	}
	if ok, err := u.Follows.IsFollowing(r.Context(), a.ID, me.ID); err != nil {
		return err
	} else if ok {
		if err := u.sendEvent(r, a.ID, me.ID, message.EventView, target); err != nil {
			return err
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// chatMedia serves the image, voice or video (?thumb=1: the video's cover)
// of a message in the signed-in
// person's own conversation with the account, and nobody else's.
func (u *UI) chatMedia(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	msgID, err := strconv.ParseInt(r.PathValue("message"), 10, 64)
	if err != nil {
		return errs.NotFoundf("No such file.")
	}
	m, err := u.Messages.InConversation(r.Context(), a.ID, me.ID, msgID)
	if errors.Is(err, errs.NotFound) || (err == nil && m.Body.MediaKey == "") {
		return errs.NotFoundf("No such file.")
	}
	if err != nil {
		return err
	}
	if r.URL.Query().Get("thumb") != "" {
		if m.Body.ThumbKey == "" {
			return errs.NotFoundf("No such file.")
		}
		return media.Serve(w, r, u.Media, m.Body.ThumbKey, m.Body.ThumbType)
	}
	return media.Serve(w, r, u.Media, m.Body.MediaKey, m.Body.MediaType)
}

// templateLines reads the lines stored in a template message's body.
func templateLines(m *message.Message) []tmplmsg.Line {
	switch d := m.Body.Data.(type) {
	case []tmplmsg.Line:
		return d
	case []any:
		var out []tmplmsg.Line
		for _, it := range d {
			o, ok := it.(map[string]any)
			if !ok {
				continue
			}
			l := tmplmsg.Line{}
			l.Label, _ = o["label"].(string)
			l.Value, _ = o["value"].(string)
			l.Color, _ = o["color"].(string)
			if !validColor(l.Color) {
				l.Color = ""
			}
			out = append(out, l)
		}
		return out
	}
	return nil
}

func validColor(c string) bool {
	if c == "" || c[0] != '#' || (len(c) != 4 && len(c) != 7) {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
