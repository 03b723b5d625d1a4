package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// lcTypeInfo is one column of the plain comparison of account types.
type lcTypeInfo struct {
	Value, Label                         string
	Publications, Appear, Service, Money string // catalogue keys
	Sends                                int    // the mass sends a month, for Publications
}

func accountTypes(st settings.Platform) []lcTypeInfo {
	return []lcTypeInfo{
		{Value: account.Subscription, Label: "Subscription",
			Publications: "Up to %d a month, each with up to 8 articles", Sends: st.SubscriptionMassSendsPerMonth,
			Appear:  "Grouped in the followers' Subscriptions folder, not in their chat list",
			Service: "Auto-replies and answers to followers' messages",
			Money:   "No payments"},
		{Value: account.Service, Label: "Service",
			Publications: "Up to %d a month", Sends: st.ServiceMassSendsPerMonth,
			Appear:  "Directly in the followers' chat list, like a chat with a friend",
			Service: "A customer-service inbox with agents, menus and template messages",
			Money:   "Payments and a shop (once verified)"},
	}
}

type applyData struct {
	App      *review.Application // nil on the new-application page
	Values   map[string]string
	Types    []lcTypeInfo
	Slots    []core.DocSlot
	Missing  []string // required documents not uploaded yet
	Events   []review.Event
	Editable bool
	Rounds   int // the platform's limit on review rounds
}

var applyFields = []string{"type", "region", "name", "description", "organisation", "contact_name", "contact_email", "contact_phone"}

func fieldsFrom(r *http.Request) review.Fields {
	f := r.PostForm
	return review.Fields{Type: f.Get("type"), Region: f.Get("region"), Name: f.Get("name"), Description: f.Get("description"),
		Organisation: f.Get("organisation"), ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"), ContactPhone: f.Get("contact_phone")}
}

// applyData builds the page; values come from the submitted form when it is
// shown again after an error, else from the stored application.
func (u *UI) applyData(r *http.Request, a *review.Application, fromForm bool) (*applyData, error) {
	ctx := r.Context()
	st, err := u.Settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	d := &applyData{App: a, Values: map[string]string{}, Types: accountTypes(st), Editable: a == nil || a.Editable(), Rounds: st.MaxReviewRounds}
	if a != nil {
		d.Values = map[string]string{"type": a.Type, "region": a.Region, "name": a.Name, "description": a.Description, "organisation": a.Organisation,
			"contact_name": a.ContactName, "contact_email": a.ContactEmail, "contact_phone": a.ContactPhone}
		var err error
		if d.Slots, err = u.DocSlots(ctx, st, a); err != nil {
			return nil, err
		}
		for _, s := range d.Slots {
			if s.Doc == nil {
				d.Missing = append(d.Missing, s.Requirement)
			}
		}
		if d.Events, err = u.Review.Events(ctx, a.ID); err != nil {
			return nil, err
		}
	}
	if fromForm && r.PostForm != nil {
		for _, k := range applyFields {
			if _, ok := r.PostForm[k]; ok {
				d.Values[k] = r.PostForm.Get(k)
			}
		}
	}
	return d, nil
}

// loadNewApplication fills the new-application form: the type chosen by
// the link, or what was submitted when it is re-shown with an error.
func (u *UI) loadNewApplication(r *http.Request, p *core.Page) error {
	fromForm := p.Form != nil
	d, err := u.applyData(r, nil, fromForm)
	if err != nil {
		return err
	}
	if !fromForm {
		d.Values["type"] = r.URL.Query().Get("type")
	}
	p.Data = d
	return nil
}

func (u *UI) applyNew(r *http.Request, _ *core.ConsoleCtx, _ core.None) (core.Done, error) {
	a, err := u.Review.StartRegistration(r.Context(), web.Person(r), fieldsFrom(r))
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("/mp/apply/%d", a.ID), Flash: "Draft saved. Now add the avatar and the documents, then submit."}, nil
}

func (u *UI) loadApp(r *http.Request) (*review.Application, error) {
	appID, err := core.PathIDNamed(r, "app", "application")
	if err != nil {
		return nil, err
	}
	return u.Review.ApplicationFor(r.Context(), web.Person(r), appID)
}

func (u *UI) applyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := u.loadApp(r)
	if err != nil {
		return err
	}
	if a.PersonID != web.Person(r).ID {
		return u.Redirect(w, r, fmt.Sprintf("/admin/reviews/%d", a.ID), "")
	}
	d, err := u.applyData(r, a, false)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "mp/apply", u.NewPage(w, r, applyTitle(u.Locale(r), a), d))
}

func applyTitle(l *i18n.Locale, a *review.Application) string {
	name := a.Name
	if name == "" {
		name = l.T("New account")
	}
	if a.IsRenewal() {
		return l.T("Renewal: %s", name)
	}
	return l.T("Application: %s", name)
}

// applySave stores the answers and files; with action=submit it then sends
// the application for review.
func (u *UI) applySave(w http.ResponseWriter, r *http.Request) error {
	done, err := lcParseUpload(w, r)
	if err != nil {
		return err
	}
	defer done()
	a, err := u.loadApp(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	person := web.Person(r)
	fail := func(err error) error {
		cur, lerr := u.Review.Application(ctx, a.ID)
		if lerr != nil {
			return lerr
		}
		d, derr := u.applyData(r, cur, true)
		if derr != nil {
			return derr
		}
		return u.FormError(w, r, "mp/apply", u.NewPage(w, r, applyTitle(u.Locale(r), cur), d), err)
	}
	if a.Editable() {
		st, err := u.Settings.Get(ctx)
		if err != nil {
			return err
		}
		var closers []io.Closer
		defer func() {
			for _, c := range closers {
				c.Close()
			}
		}()
		var avatar *review.Upload
		if fh, _ := lcFormFile(r, "avatar"); fh != nil {
			up, c, err := lcOpenUpload(fh, "")
			if err != nil {
				return err
			}
			closers = append(closers, c)
			avatar = &up
		}
		var docs []review.Upload
		for i, req := range core.RequirementsOf(st, a.Region) {
			fh, _ := lcFormFile(r, fmt.Sprintf("doc_%d", i))
			if fh == nil {
				continue
			}
			up, c, err := lcOpenUpload(fh, req)
			if err != nil {
				return err
			}
			closers = append(closers, c)
			docs = append(docs, up)
		}
		if _, err := u.Review.Save(ctx, person, a.ID, fieldsFrom(r), avatar, docs); err != nil {
			return fail(err)
		}
	}
	if r.PostForm.Get("action") != "submit" {
		return u.Redirect(w, r, fmt.Sprintf("/mp/apply/%d", a.ID), "Draft saved. You can come back to it any time.")
	}
	if _, err := u.Review.Submit(ctx, person, a.ID); err != nil {
		if errs.KindOf(err) == errs.KindInvalid && a.Editable() {
			var e *errs.Error
			if errors.As(err, &e) {
				e.Message = u.T(r, "Saved as a draft, but not submitted yet: %s", core.MessageIn(e, u.Locale(r)))
			}
		}
		return fail(err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/apply/%d", a.ID), "Submitted. A reviewer will look at your application; you can follow it here.")
}

func (u *UI) applyDocument(w http.ResponseWriter, r *http.Request) error {
	a, err := u.loadApp(r)
	if err != nil {
		return err
	}
	docID, err := core.PathIDNamed(r, "doc", "document")
	if err != nil {
		return err
	}
	docs, err := u.Review.Documents(r.Context(), a.ID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.ID == docID {
			return media.Serve(w, r, u.Review.Media(), d.Key, d.ContentType)
		}
	}
	return errs.NotFoundf("No such document.")
}

func (u *UI) applyAvatar(w http.ResponseWriter, r *http.Request) error {
	a, err := u.loadApp(r)
	if err != nil {
		return err
	}
	if a.AvatarKey == "" {
		return errs.NotFoundf("No avatar yet.")
	}
	return media.Serve(w, r, u.Review.Media(), a.AvatarKey, lcContentType(a.AvatarKey))
}

// contentTypeOf names the type of a stored image by the extension that
// media.Save gave it after sniffing.
func lcContentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".png"):
		return "image/png"
	case strings.HasSuffix(key, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(key, ".webp"):
		return "image/webp"
	case strings.HasSuffix(key, ".pdf"):
		return "application/pdf"
	}
	return "application/octet-stream"
}
