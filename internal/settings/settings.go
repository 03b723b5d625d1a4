// Package settings holds the platform settings that administrators edit
// while Herald runs (quotas, verification rules, content rules). They live in
// the database, never in the boot configuration.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Platform is every live setting. New fields need a default in Defaults.
type Platform struct {
	// Publishing quotas: mass sends per calendar month, per account type.
	SubscriptionMassSendsPerMonth int `json:"subscription_mass_sends_per_month"`
	ServiceMassSendsPerMonth      int `json:"service_mass_sends_per_month"`

	// Verification.
	VerificationValidityDays int      `json:"verification_validity_days"` // how long a verification lasts
	VerificationWarnDays     int      `json:"verification_warn_days"`     // warn the owner this long before expiry
	MaxReviewRounds          int      `json:"max_review_rounds"`          // "more information" rounds before rejection
	InternationalDocuments   []string `json:"international_documents"`    // documents international applicants upload
	DomesticDocuments        []string `json:"domestic_documents"`         // documents domestic applicants upload

	// Compliance: words that flag content for review when published.
	FlaggedKeywords []string `json:"flagged_keywords"`

	// Analytics.
	RawEventRetentionDays int `json:"raw_event_retention_days"`
	MinDemographicGroup   int `json:"min_demographic_group"`

	// Scheduled backups of the whole platform into <data>/backups: every
	// so many hours (0: none), keeping the newest BackupKeep files.
	BackupEveryHours int `json:"backup_every_hours"`
	BackupKeep       int `json:"backup_keep"`
}

// Defaults returns the settings of a new platform.
func Defaults() Platform {
	return Platform{
		SubscriptionMassSendsPerMonth: 30,
		ServiceMassSendsPerMonth:      4,
		VerificationValidityDays:      365,
		VerificationWarnDays:          30,
		MaxReviewRounds:               3,
		InternationalDocuments:        []string{"Company registration certificate", "Proof of address", "Authorisation letter for the operator"},
		DomesticDocuments:             []string{"Business licence or organisation registration certificate"},
		FlaggedKeywords:               []string{},
		RawEventRetentionDays:         90,
		MinDemographicGroup:           10,
		BackupEveryHours:              0,
		BackupKeep:                    7,
	}
}

// Validate checks the values an administrator entered.
func (p Platform) Validate() error {
	switch {
	case p.SubscriptionMassSendsPerMonth < 0 || p.SubscriptionMassSendsPerMonth > 1000:
		return errs.FieldInvalid("subscription_mass_sends_per_month", "Between 0 and 1000 mass sends a month.")
	case p.ServiceMassSendsPerMonth < 0 || p.ServiceMassSendsPerMonth > 1000:
		return errs.FieldInvalid("service_mass_sends_per_month", "Between 0 and 1000 mass sends a month.")
	case p.VerificationValidityDays < 1 || p.VerificationValidityDays > 3650:
		return errs.FieldInvalid("verification_validity_days", "Between 1 and 3650 days.")
	case p.VerificationWarnDays < 0 || p.VerificationWarnDays > p.VerificationValidityDays:
		return errs.FieldInvalid("verification_warn_days", "Between 0 days and the validity period.")
	case p.MaxReviewRounds < 1 || p.MaxReviewRounds > 10:
		return errs.FieldInvalid("max_review_rounds", "Between 1 and 10 rounds.")
	case p.RawEventRetentionDays < 1 || p.RawEventRetentionDays > 3650:
		return errs.FieldInvalid("raw_event_retention_days", "Between 1 and 3650 days.")
	case p.MinDemographicGroup < 2:
		return errs.FieldInvalid("min_demographic_group", "At least 2 people.")
	case p.BackupEveryHours < 0 || p.BackupEveryHours > 24*366:
		return errs.FieldInvalid("backup_every_hours", "Between 0 (no scheduled backups) and 8784 hours.")
	case p.BackupKeep < 1 || p.BackupKeep > 1000:
		return errs.FieldInvalid("backup_keep", "Keep between 1 and 1000 backups.")
	}
	return nil
}

const key = "platform"

// Store reads and writes the platform settings, caching them in memory.
type Store struct {
	db    *db.DB
	clock clock.Clock

	mu     sync.RWMutex
	cached *Platform
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// Get returns the current settings: stored values over the defaults.
func (s *Store) Get(ctx context.Context) (_ Platform, err error) {
	defer errs.Wrap(&err, "settings.Store.Get()")
	s.mu.RLock()
	if s.cached != nil {
		p := *s.cached
		s.mu.RUnlock()
		return p, nil
	}
	s.mu.RUnlock()
	p := Defaults()
	var raw string
	err = db.Get(s.db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key), &raw)
	switch {
	case errors.Is(err, errs.NotFound):
	case err != nil:
		return p, err
	default:
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return Defaults(), err
		}
	}
	s.mu.Lock()
	s.cached = &p
	s.mu.Unlock()
	return p, nil
}

// Save validates and stores new settings.
func (s *Store) Save(ctx context.Context, p Platform) (err error) {
	defer errs.Wrap(&err, "settings.Store.Save()")
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	now := db.Micro(s.clock.Now())
	_, err = s.db.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(b), now)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cached = &p
	s.mu.Unlock()
	return nil
}
