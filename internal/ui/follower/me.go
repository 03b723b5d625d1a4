package follower

import (
	"errors"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// meAvatar stores a new profile picture (JPEG, PNG or WebP up to 2 MB,
// checked by content) and removes the old one.
func (u *UI) meAvatar(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	p := u.NewPage(w, r, "Me", nil)
	r.Body = http.MaxBytesReader(w, r.Body, media.Avatar.MaxBytes+(1<<20))
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if core.TooLarge(err) {
			return u.FormError(w, r, "app/me", p, errs.FieldInvalid("avatar", "A profile picture is at most %s.", media.HumanSize(media.Avatar.MaxBytes)))
		}
		return u.FormError(w, r, "app/me", p, errs.FieldInvalid("avatar", "Choose a picture to upload."))
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("avatar")
	if err != nil {
		return u.FormError(w, r, "app/me", p, errs.FieldInvalid("avatar", "Choose a picture to upload."))
	}
	defer file.Close()
	saved, err := media.Save(r.Context(), u.Media, "avatars/people", media.Avatar, file)
	if err != nil {
		if e := (*errs.Error)(nil); errors.As(err, &e) && e.Kind == errs.KindInvalid {
			return u.FormError(w, r, "app/me", p, errs.FieldInvalid("avatar", "%s", e.Message))
		}
		return err
	}
	if err := u.Users.SetAvatar(r.Context(), me.ID, saved.Key); err != nil {
		_ = u.Media.Delete(r.Context(), saved.Key)
		return err
	}
	if me.AvatarPath != "" && me.AvatarPath != saved.Key {
		_ = u.Media.Delete(r.Context(), me.AvatarPath)
	}
	return u.Redirect(w, r, "/me", "Profile picture saved.")
}

// meAvatarImage serves the signed-in person's own profile picture.
func (u *UI) meAvatarImage(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if me.AvatarPath == "" {
		return errs.NotFoundf("You have no profile picture.")
	}
	return media.Serve(w, r, u.Media, me.AvatarPath, "")
}

// meAccounts lists every account that knows the person (follows now and
// past ones), and what each one can see: a pseudonymous id of its own.
func (u *UI) meAccounts(w http.ResponseWriter, r *http.Request) error {
	rels, err := u.Follows.Relations(r.Context(), web.Person(r).ID)
	if err != nil {
		return err
	}
	type row struct {
		Card      *accountCard
		Following bool
		Muted     bool
		Since     time.Time
		Until     time.Time
	}
	var rows []row
	for _, rel := range rels {
		rows = append(rows, row{Card: u.card(rel.Account), Following: rel.Following, Muted: rel.Muted, Since: rel.SubscribedAt, Until: rel.UnsubscribedAt})
	}
	return u.Render(w, r, http.StatusOK, "app/me_accounts", u.NewPage(w, r, "Accounts that know you", rows))
}
