package ui

import (
	"net/http"

	"github.com/heraldoa/herald/internal/web"
)

func (u *UI) appHome(w http.ResponseWriter, r *http.Request) error {
	p := u.newPage(w, r, "Herald", nil)
	if web.Person(r) == nil {
		return u.render(w, r, http.StatusOK, "app/welcome", p)
	}
	p.Title = "Chats"
	return u.render(w, r, http.StatusOK, "app/home", p)
}

func (u *UI) mpHome(w http.ResponseWriter, r *http.Request) error {
	return u.render(w, r, http.StatusOK, "mp/home", u.newPage(w, r, "Console", nil))
}

func (u *UI) adminHome(w http.ResponseWriter, r *http.Request) error {
	return u.render(w, r, http.StatusOK, "admin/home", u.newPage(w, r, "Platform admin", nil))
}
