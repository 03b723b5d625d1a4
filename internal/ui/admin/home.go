package admin

import (
	"net/http"

	"github.com/heraldoa/herald/internal/review"
)

func (u *UI) adminHome(w http.ResponseWriter, r *http.Request) error {
	var counts review.Counts
	if u.Review != nil {
		var err error
		if counts, err = u.Review.Counts(r.Context()); err != nil {
			return err
		}
	}
	return u.Render(w, r, http.StatusOK, "admin/home", u.NewPage(w, r, "Platform admin", counts))
}
