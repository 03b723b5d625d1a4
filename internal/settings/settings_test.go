package settings_test

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/settings"
)

func TestDefaultsSaveAndReload(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	s := settings.NewStore(d, clock.Real{})
	p, err := s.Get(ctx)
	if err != nil || p.SubscriptionMassSendsPerMonth != 30 || p.ServiceMassSendsPerMonth != 4 {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	p.ServiceMassSendsPerMonth = 6
	if err := s.Save(ctx, p); err != nil {
		t.Fatal(err)
	}
	fresh := settings.NewStore(d, clock.Real{})
	got, _ := fresh.Get(ctx)
	if got.ServiceMassSendsPerMonth != 6 || got.SubscriptionMassSendsPerMonth != 30 {
		t.Fatalf("reloaded: %+v", got)
	}
	got.VerificationValidityDays = 0
	if err := fresh.Save(ctx, got); !errors.Is(err, errs.Invalid) {
		t.Fatalf("invalid settings saved: %v", err)
	}
	again, _ := settings.NewStore(d, clock.Real{}).Get(ctx)
	if again.VerificationValidityDays != 365 {
		t.Fatalf("a rejected save changed stored settings: %+v", again)
	}
}

func TestBackupSettingsValidate(t *testing.T) {
	p := settings.Defaults()
	if p.BackupEveryHours != 0 || p.BackupKeep != 7 {
		t.Fatalf("defaults: every %d keep %d", p.BackupEveryHours, p.BackupKeep)
	}
	p.BackupEveryHours = 24
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.BackupKeep = 0
	if err := p.Validate(); err == nil {
		t.Fatal("keeping no backups accepted")
	}
	p.BackupKeep, p.BackupEveryHours = 3, -1
	if err := p.Validate(); err == nil {
		t.Fatal("a negative interval accepted")
	}
}
