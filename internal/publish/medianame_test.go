package publish_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/publish"
)

func (e *env) upload(accountID int64, kind, name string, b []byte) *publish.Asset {
	e.t.Helper()
	a, err := e.store.Upload(e.ctx, accountID, kind, name, bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("upload %s: %v", name, err)
	}
	return a
}

// served reports whether /media/{name} would serve the file.
func (e *env) served(name string) bool {
	e.t.Helper()
	a, err := e.store.ServedAsset(e.ctx, name)
	if err != nil && !errors.Is(err, errs.NotFound) {
		e.t.Fatalf("ServedAsset(%s): %v", name, err)
	}
	return err == nil && a.Withdrawn == ""
}

func plainName(a *publish.Asset) string { return a.MediaID }

func tokenName(a *publish.Asset) string { return strings.TrimPrefix(a.URL(), "/media/") }

var tokenURL = regexp.MustCompile(`^/media/M[0-9a-z]+-[0-9a-f]{32}$`)

func TestUnpublishedMediaHaveUnguessableAddresses(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	b := e.account(account.Subscription, "Other Tea")
	cover := e.upload(a.ID, publish.AssetImage, "cover.png", pngBytes())
	inline := e.upload(a.ID, publish.AssetImage, "inline.png", pngBytes())
	spare := e.upload(a.ID, publish.AssetImage, "spare.png", pngBytes())
	theirs := e.upload(b.ID, publish.AssetImage, "theirs.png", pngBytes())
	for _, as := range []*publish.Asset{cover, inline, spare, theirs} {
		if !tokenURL.MatchString(as.URL()) {
			t.Fatalf("address %q has no 128-bit token", as.URL())
		}
	}
	if cover.Token == inline.Token {
		t.Fatal("two assets share a token")
	}

	// Unpublished: the address Herald hands out serves; the plain id, its
	// neighbours, a wrong token and another asset's token do not.
	if !e.served(tokenName(cover)) {
		t.Error("the tokened address of an unpublished image is not served")
	}
	v, _ := publish.ParseID("M", cover.MediaID)
	for _, name := range []string{plainName(cover), publish.MediaID(v + 1), publish.MediaID(v - 1),
		cover.MediaID + "-" + strings.Repeat("0", 32), cover.MediaID + "-" + theirs.Token, cover.MediaID + "-", theirs.MediaID + "-" + cover.Token} {
		if e.served(name) {
			t.Errorf("/media/%s is served before anything was published", name)
		}
	}

	// A draft shows its cover and the library images its body names by
	// their plain address (as stored before addresses had tokens) with
	// the unguessable ones; another account's id pasted into a draft stays
	// plain and unserved.
	in := publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Spring", CoverMediaID: cover.MediaID, CommentsOpen: true,
		Body: "![leaf](/media/" + inline.MediaID + ")\n\n![x](/media/" + theirs.MediaID + ")"}}}
	p, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	art := p.Articles[0]
	if art.CoverURL() != cover.URL() || p.CoverURL() != cover.URL() {
		t.Errorf("draft cover = %q / %q, want %q", art.CoverURL(), p.CoverURL(), cover.URL())
	}
	if !strings.Contains(art.BodyHTML, `src="`+inline.URL()+`"`) || strings.Contains(art.BodyHTML, theirs.Token) ||
		!strings.Contains(art.BodyHTML, `src="/media/`+theirs.MediaID+`"`) {
		t.Errorf("draft body = %s", art.BodyHTML)
	}
	rd, err := e.store.Read(e.ctx, art.ID, 0, p.PreviewKey)
	if err != nil || !strings.Contains(rd.Article.BodyHTML, inline.URL()) || rd.Article.CoverURL() != cover.URL() {
		t.Fatalf("preview reading: %v", err)
	}

	// Publishing makes what the article uses public at its plain address
	// too (readers, feeds and earlier messages hold it); the rest stays
	// private, and so does another account's image named in the body.
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = e.engine.Run(e.ctx, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v", err)
	}
	for _, as := range []*publish.Asset{cover, inline} {
		if !e.served(plainName(as)) || !e.served(tokenName(as)) {
			t.Errorf("published %s is not served at both addresses", as.Name)
		}
	}
	if e.served(plainName(spare)) || e.served(plainName(theirs)) {
		t.Error("publishing exposed an image the article does not use, or another account's")
	}
	if got, _ := e.store.Asset(e.ctx, a.ID, cover.MediaID); !got.Published() {
		t.Error("the cover is not marked published")
	}
}

// bigPNG is a valid PNG header declaring w × h pixels (no pixel data).
func bigPNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

func TestAuditWithdrawsOversizedImagesAndKeepsPublishedOnes(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	store := e.store.MediaStore()
	// Rows as stored before the dimension check and these addresses: no
	// audit yet, one without a token (as an import from an older archive).
	legacy := func(name string, b []byte, token string) string {
		key := "library/legacy/" + name
		if _, err := store.Put(e.ctx, key, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		v := id.New()
		e.exec(`INSERT INTO media_assets (id, account_id, kind, media_key, content_type, size, name, created_at, token)
			VALUES (?, ?, 'image', ?, 'image/png', ?, ?, 1, ?)`, v, a.ID, key, len(b), name, token)
		return publish.MediaID(v)
	}
	bomb := legacy("bomb.png", bigPNG(50000, 50000), "")
	wide := legacy("wide.png", bigPNG(30000, 10), strings.Repeat("a", 32))
	fine := legacy("fine.png", pngBytes(), strings.Repeat("b", 32))
	private := legacy("private.png", pngBytes(), strings.Repeat("c", 32))
	// A published article (from before) shows fine.png by its plain address.
	p, err := e.store.SaveDraft(e.ctx, a.ID, e.owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Old",
		Body: "![old](/media/" + fine + ")", CommentsOpen: true}}})
	if err != nil {
		t.Fatal(err)
	}
	e.exec(`UPDATE publications SET state = 'published', published_at = 5 WHERE id = ?`, p.ID)

	if e.served(fine) {
		t.Fatal("an unaudited image is served at its plain address")
	}
	if err := e.store.AuditMedia(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AuditMedia(e.ctx); err != nil { // nothing left: a no-op
		t.Fatal(err)
	}
	if e.count(`SELECT COUNT(*) FROM media_assets WHERE audited_at = 0`) != 0 {
		t.Error("assets left unaudited")
	}
	for _, mid := range []string{bomb, wide} {
		got, err := e.store.Asset(e.ctx, a.ID, mid)
		if err != nil {
			t.Fatal(err)
		}
		served, err := e.store.ServedAsset(e.ctx, strings.TrimPrefix(got.URL(), "/media/"))
		if err != nil || !strings.Contains(served.Withdrawn, "pixels") || got.Token == "" {
			t.Errorf("%s after the audit: withdrawn %q, token %q (%v)", got.Name, got.Withdrawn, got.Token, err)
		}
	}
	if got, _ := e.store.Asset(e.ctx, a.ID, bomb); !strings.Contains(got.Withdrawn, "50000 × 50000") {
		t.Errorf("reason = %q", got.Withdrawn)
	}
	if !e.served(fine) {
		t.Error("an image a published article shows is not served at its plain address after the audit")
	}
	if e.served(private) || !e.served(private+"-"+strings.Repeat("c", 32)) {
		t.Error("an unpublished legacy image: plain served, or its token not")
	}
	// An upload today is checked on the way in and needs no audit.
	if _, err := e.store.Upload(e.ctx, a.ID, publish.AssetImage, "x.png", bytes.NewReader(bigPNG(50000, 50000))); !errors.Is(err, media.ErrImageSize) {
		t.Errorf("oversized upload: %v", err)
	}
	e.upload(a.ID, publish.AssetImage, "new.png", pngBytes())
	if n := e.count(`SELECT COUNT(*) FROM media_assets WHERE audited_at = 0`); n != 0 {
		t.Errorf("%d new uploads wait for the audit", n)
	}
	_ = strconv.Itoa
}
