package review_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/user"
)

var ctx = context.Background()

type env struct {
	t        *testing.T
	db       *db.DB
	clock    *clock.Offset
	users    *user.Store
	accounts *account.Store
	settings *settings.Store
	mediaDir string
	rv       *review.Store

	reviewer, reviewer2, admin *user.Person
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	c := &clock.Offset{}
	e := &env{t: t, db: d, clock: c, users: user.NewStore(d, c), accounts: account.NewStore(d, c), settings: settings.NewStore(d, c),
		mediaDir: t.TempDir()}
	e.rv = review.NewStore(d, c, e.accounts, e.settings, media.Dir{Root: e.mediaDir})
	e.reviewer = e.person("rui", user.RoleReviewer)
	e.reviewer2 = e.person("ren", user.RoleReviewer)
	e.admin = e.person("ada", user.RoleAdmin)
	return e
}

// person creates someone without hashing a password (fast).
func (e *env) person(username, role string) *user.Person {
	e.t.Helper()
	p, err := e.users.Create(ctx, user.NewPerson{Username: username, PasswordHash: "x", PlatformRole: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func fields(name, region string) review.Fields {
	return review.Fields{Type: account.Subscription, Region: region, Name: name, Description: "Tea and cakes by the lake.",
		Organisation: "Lotus Tea House Ltd", ContactName: "Lin", ContactEmail: "lin@example.com", ContactPhone: "+86 21 5555 0101"}
}

// complete starts a registration with every field, the avatar and every
// document for the region, as a draft.
func (e *env) complete(owner *user.Person, name, region string) *review.Application {
	e.t.Helper()
	a, err := e.rv.StartRegistration(ctx, owner, fields(name, region))
	if err != nil {
		e.t.Fatalf("start %q: %v", name, err)
	}
	reqs, err := e.rv.Requirements(ctx, region)
	if err != nil {
		e.t.Fatal(err)
	}
	var docs []review.Upload
	for _, r := range reqs {
		docs = append(docs, review.Upload{Requirement: r, Filename: "scan.pdf", Body: bytes.NewReader(pdfBytes())})
	}
	a, err = e.rv.Save(ctx, owner, a.ID, fields(name, region), &review.Upload{Filename: "logo.png", Body: bytes.NewReader(pngBytes())}, docs)
	if err != nil {
		e.t.Fatalf("save %q: %v", name, err)
	}
	return a
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) app(id int64) *review.Application {
	e.t.Helper()
	a, err := e.rv.Application(ctx, id)
	e.must(err)
	return a
}

func (e *env) passAll(id int64) {
	e.t.Helper()
	for _, c := range review.CheckNames {
		e.must(e.rv.RecordCheck(ctx, e.reviewer, id, c, true, "fine"))
	}
}

// approved registers and approves an account for owner.
func (e *env) approved(owner *user.Person, name, region string) *account.Account {
	e.t.Helper()
	a := e.complete(owner, name, region)
	_, err := e.rv.Submit(ctx, owner, a.ID)
	e.must(err)
	e.must(e.rv.Claim(ctx, e.reviewer, a.ID))
	e.passAll(a.ID)
	e.must(e.rv.Approve(ctx, e.reviewer, a.ID))
	acct, err := e.accounts.ByID(ctx, e.app(a.ID).AccountID)
	e.must(err)
	return acct
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	e.must(e.db.QueryRow(ctx, query, args...).Scan(&n))
	return n
}

// files counts the files stored under the media directory.
func (e *env) files() int {
	n := 0
	_ = filepath.Walk(e.mediaDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func wantKind(t *testing.T, err error, kind errs.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want kind %d", what, kind)
	}
	if errs.KindOf(err) != kind {
		t.Fatalf("%s: got %v (kind %d), want kind %d", what, err, errs.KindOf(err), kind)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Fatalf("got %v, want an error on field %q", err, field)
	}
}
