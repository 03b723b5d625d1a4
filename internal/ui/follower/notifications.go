package follower

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webpush"
)

// Notifications: the person's settings (previews, and what each followed
// account may notify) and this device's Web Push subscription, which the
// page's script (push.js) makes with the browser's Push API and sends here.

func (u *UI) registerNotifications(h core.Route) {
	if u.WebPush == nil {
		return
	}
	h("GET /me/notifications", u.SignedIn(u.notificationsPage))
	h("POST /me/notifications", u.SignedIn(u.notificationsSave))
	h("GET /push/key", u.SignedIn(u.pushKey))
	h("POST /push/subscribe", u.SignedIn(u.pushSubscribe))
	h("POST /push/unsubscribe", u.SignedIn(u.pushUnsubscribe))
}

type notifyRow struct {
	Card  *accountCard
	Muted bool
	Level string
}

type notificationsData struct {
	ShowPreviews bool
	Devices      int
	Accounts     []notifyRow
}

func (u *UI) notificationsData(r *http.Request) (*notificationsData, error) {
	me := web.Person(r)
	prefs, err := u.WebPush.Prefs(r.Context(), me.ID)
	if err != nil {
		return nil, err
	}
	subs, err := u.WebPush.Subscriptions(r.Context(), me.ID)
	if err != nil {
		return nil, err
	}
	rels, err := u.Follows.Relations(r.Context(), me.ID)
	if err != nil {
		return nil, err
	}
	d := &notificationsData{ShowPreviews: prefs.ShowPreviews, Devices: len(subs)}
	for _, rel := range rels {
		if rel.Following {
			d.Accounts = append(d.Accounts, notifyRow{Card: u.card(rel.Account), Muted: rel.Muted, Level: prefs.Level(rel.Account.ID)})
		}
	}
	return d, nil
}

func (u *UI) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := u.notificationsData(r)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "app/notifications", u.NewPage(w, r, "Notifications", d))
}

// notificationsSave stores the previews setting and the level of every
// followed account the form names (notify_{account}).
func (u *UI) notificationsSave(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	ctx := r.Context()
	d, err := u.notificationsData(r)
	if err != nil {
		return err
	}
	for _, row := range d.Accounts {
		key := "notify_" + strconv.FormatInt(row.Card.ID, 10)
		level, ok := r.PostForm[key]
		if !ok || level[0] == row.Level {
			continue
		}
		if err := u.WebPush.SetAccountLevel(ctx, me.ID, row.Card.ID, level[0]); err != nil {
			return u.FormError(w, r, "app/notifications", u.NewPage(w, r, "Notifications", d), err)
		}
	}
	if err := u.WebPush.SetShowPreviews(ctx, me.ID, r.PostForm.Get("show_previews") == "1"); err != nil {
		return err
	}
	return u.Redirect(w, r, "/me/notifications", "Notification settings saved.")
}

// pushKey answers the VAPID public key the browser subscribes with.
func (u *UI) pushKey(w http.ResponseWriter, r *http.Request) error {
	k, err := u.WebPush.PublicKey(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]string{"public_key": k})
}

// readPushJSON reads the script's JSON body (at most 8 KiB) with parse; on
// failure it answers the error as JSON (tooLarge for a body over the
// limit) and returns false.
func readPushJSON[T any](w http.ResponseWriter, r *http.Request, tooLarge error, parse func([]byte) (T, error)) (T, bool) {
	var zero T
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<10))
	if err != nil {
		web.JSONError(w, tooLarge)
		return zero, false
	}
	v, err := parse(raw)
	if err != nil {
		web.JSONError(w, err)
		return zero, false
	}
	return v, true
}

// pushSubscribe stores this browser's subscription (PushSubscription JSON).
func (u *UI) pushSubscribe(w http.ResponseWriter, r *http.Request) error {
	in, ok := readPushJSON(w, r, errs.Invalidf("The subscription is too large."), webpush.ParseSubscription)
	if !ok {
		return nil
	}
	sub, err := u.WebPush.Subscribe(r.Context(), web.Person(r).ID, in, deviceLabel(r.UserAgent()))
	if err != nil {
		return err
	}
	// Signing out of this browser removes this subscription (see logout).
	http.SetCookie(w, &http.Cookie{Name: webpush.DeviceCookie, Value: strconv.FormatInt(sub.ID, 10), Path: "/",
		HttpOnly: true, Secure: u.Sessions.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 400 * 24 * 3600})
	return web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// pushUnsubscribe removes this browser's subscription ({"endpoint": …}).
func (u *UI) pushUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	in, ok := readPushJSON(w, r, errs.Invalidf("The request is too large."), webpush.ParseEndpoint)
	if !ok {
		return nil
	}
	if err := u.WebPush.Unsubscribe(r.Context(), web.Person(r).ID, in); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// deviceLabel names a browser for the person ("Chrome on Android") from its
// User-Agent; only the browser family and the system are kept.
func deviceLabel(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"}, {"Firefox/", "Firefox"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"},
		{"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	if system == "" {
		return browser
	}
	return browser + " on " + system
}
