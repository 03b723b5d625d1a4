package demo

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/message"
)

func TestSeedGivesHarbourBankTemplatesAndMeiACard(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	lib, err := s.App.Templates.Library(ctx, false)
	if err != nil || len(lib) != len(demoLibrary) {
		t.Fatalf("library: %d templates, %v", len(lib), err)
	}
	var harbourID, meiID int64
	if err := s.App.DB.QueryRow(ctx, `SELECT id FROM accounts WHERE name = 'Harbour Bank'`).Scan(&harbourID); err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB.QueryRow(ctx, `SELECT id FROM people WHERE username = 'mei'`).Scan(&meiID); err != nil {
		t.Fatal(err)
	}
	ai, err := s.App.Templates.Industry(ctx, harbourID)
	if err != nil || ai == nil || ai.Primary.Second != "Banking" {
		t.Fatalf("Harbour Bank's industry: %+v %v", ai, err)
	}
	if list, _ := s.App.Templates.Templates(ctx, harbourID); len(list) != 2 {
		t.Fatalf("Harbour Bank has %d templates, want 2", len(list))
	}
	ms, err := s.App.Messages.History(ctx, harbourID, meiID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Kind == message.KindTemplate && m.Body.Title == "Transaction alert" {
			return
		}
	}
	t.Fatal("Mei has no transaction alert from Harbour Bank")
}
