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
	msg := publish.MsgDataID(p.ID)
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
	if back, err := publish.PublicationOfMsgData(msg); err != nil || back != p.ID {
		t.Fatalf("round trip: %d %v", back, err)
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
