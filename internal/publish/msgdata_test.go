package publish_test

import (
	"errors"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
)

func TestMsgDataArticle(t *testing.T) {
	e := newEnv(t)
	a := e.account(account.Subscription, "Lotus Tea House")
	other := e.account(account.Subscription, "Other Tea")
	p := e.draft(a.ID, "First", "Second")
	msg := p.MsgDataID
	if msg <= 0 || msg >= 1<<53 || msg == p.ID {
		t.Fatalf("msg_data_id %d of publication %d: want a small public number", msg, p.ID)
	}
	if n, err := e.store.MsgDataID(e.ctx, a.ID, p.ID); err != nil || n != msg {
		t.Fatalf("MsgDataID: %d %v, want %d", n, err, msg)
	}
	if _, err := e.store.MsgDataID(e.ctx, other.ID, p.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("another account's publication: %v", err)
	}
	if _, err := e.store.MsgDataArticle(e.ctx, a.ID, msg, 0); !errors.Is(err, errs.NotFound) {
		t.Fatalf("a draft has no msg_data: %v", err)
	}
	j, err := e.store.Send(e.ctx, a.ID, e.owner, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = e.engine.Run(e.ctx, j.ID); err != nil || j.State != publish.JobDone {
		t.Fatalf("publish: %v", err)
	}
	for i, want := range []string{"First", "Second"} {
		art, err := e.store.MsgDataArticle(e.ctx, a.ID, msg, i)
		if err != nil || art.Title != want || art.ID != p.Articles[i].ID {
			t.Fatalf("index %d: %v %v", i, art, err)
		}
	}
	if back, err := e.store.PublicationOfMsgData(e.ctx, a.ID, msg); err != nil || back != p.ID {
		t.Fatalf("round trip: %d %v", back, err)
	}
	if _, err := e.store.PublicationOfMsgData(e.ctx, other.ID, msg); !errors.Is(err, errs.NotFound) {
		t.Fatalf("another account's msg_data_id: %v", err)
	}
	for name, f := range map[string]func() error{
		"index past the end": func() error { _, err := e.store.MsgDataArticle(e.ctx, a.ID, msg, 2); return err },
		"negative index":     func() error { _, err := e.store.MsgDataArticle(e.ctx, a.ID, msg, -1); return err },
		"another account's":  func() error { _, err := e.store.MsgDataArticle(e.ctx, other.ID, msg, 0); return err },
		"not a msg_data_id":  func() error { _, err := e.store.MsgDataArticle(e.ctx, a.ID, 0, 0); return err },
	} {
		if err := f(); !errors.Is(err, errs.NotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if err := e.store.DeletePublished(e.ctx, a.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.MsgDataArticle(e.ctx, a.ID, msg, 0); !errors.Is(err, errs.NotFound) {
		t.Fatalf("deleted publication: %v", err)
	}
}
