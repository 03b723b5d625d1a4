package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/user"
)

// Application kinds.
const (
	KindRegistration = "registration" // a new account
	KindRenewal      = "renewal"      // another year of verification for an existing account
)

// MaxOpenApplications bounds how many unfinished applications one person
// may have at once.
const MaxOpenApplications = 10

// Application is a request to register an account or renew its verification.
type Application struct {
	ID               int64
	Kind             string
	PersonID         int64
	AccountID        int64 // 0 until the first submission of a registration
	Type             string
	Region           string
	Name             string
	Description      string
	Organisation     string
	AvatarKey        string
	ContactName      string
	ContactEmail     string
	ContactPhone     string
	State            string
	Round            int // submissions so far: 1 after the first
	ReviewerID       int64
	DecisionNote     string // the reason of a rejection or the request for more information
	FirstSubmittedAt time.Time
	SubmittedAt      time.Time
	DecidedAt        time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time

	ApplicantName string // username of the applicant
	ReviewerName  string // username of the reviewer who claimed it
}

// Editable reports whether the applicant may change it now.
func (a *Application) Editable() bool { return Editable(a.State) }

// CanSubmit reports whether the applicant may (re)submit it now.
func (a *Application) CanSubmit() bool { return CanDo(a.State, ActSubmit) }

// RegionFixed reports whether the region can no longer change: once the
// application was submitted the account exists with its region.
func (a *Application) RegionFixed() bool { return a.AccountID != 0 }

// StateLabel is the state as people read it.
func (a *Application) StateLabel() string { return StateLabel(a.State) }

// IsRenewal reports whether this renews an existing account's verification.
func (a *Application) IsRenewal() bool { return a.Kind == KindRenewal }

// Document is an uploaded file for one required document.
type Document struct {
	ID            int64
	ApplicationID int64
	Requirement   string
	Key           string
	ContentType   string
	Size          int64
	Filename      string
	CreatedAt     time.Time
}

// HumanSize is the size for people.
func (d *Document) HumanSize() string { return media.HumanSize(d.Size) }

// Event is one step in an application's history.
type Event struct {
	At        time.Time
	ActorID   int64
	ActorName string
	Action    string
	From, To  string
	Note      string
}

// Fields are the applicant's answers. Empty fields are allowed in a draft.
type Fields struct {
	Type, Region, Name, Description, Organisation string
	ContactName, ContactEmail, ContactPhone       string
}

func (f *Fields) normalise() {
	for _, p := range []*string{&f.Type, &f.Region, &f.Name, &f.Description, &f.Organisation, &f.ContactName, &f.ContactEmail, &f.ContactPhone} {
		*p = strings.TrimSpace(*p)
	}
	f.Type, f.Region, f.ContactEmail = strings.ToLower(f.Type), strings.ToLower(f.Region), strings.ToLower(f.ContactEmail)
}

// check validates the fields, reporting every field that is wrong at
// once; complete requires every field (submission).
func (f Fields) check(complete bool) error {
	var fe errs.Fields
	// need records msg when field is required and empty, and reports
	// whether v is there to be checked further.
	need := func(v, field, msg string) bool {
		if complete && v == "" {
			fe.Add(errs.FieldInvalid(field, "%s", msg))
		}
		return v != ""
	}
	if need(f.Type, "type", "Choose Subscription or Service.") && f.Type != account.Subscription && f.Type != account.Service {
		fe.Add(errs.FieldInvalid("type", "Choose Subscription or Service."))
	}
	if need(f.Region, "region", "Choose domestic or international.") && f.Region != account.Domestic && f.Region != account.International {
		fe.Add(errs.FieldInvalid("region", "Choose domestic or international."))
	}
	if need(f.Name, "name", "Enter the account's name.") {
		fe.Add(account.ValidateName(f.Name))
	}
	if need(f.Description, "description", "Describe the account in a sentence or two (at most 120 characters).") {
		fe.Add(account.ValidateDescription(f.Description))
	}
	if need(f.Organisation, "organisation", "Enter the organisation's registered name.") {
		if n := utf8.RuneCountInString(f.Organisation); n > 100 || n < 2 {
			fe.Add(errs.FieldInvalid("organisation", "The organisation's name has 2 to 100 characters."))
		}
	}
	if need(f.ContactName, "contact_name", "Enter the name of the person we can contact.") && utf8.RuneCountInString(f.ContactName) > 60 {
		fe.Add(errs.FieldInvalid("contact_name", "A contact name has at most 60 characters."))
	}
	if need(f.ContactEmail, "contact_email", "Enter a contact email address.") {
		if a, err := mail.ParseAddress(f.ContactEmail); err != nil || a.Address != f.ContactEmail || len(f.ContactEmail) > 254 {
			fe.Add(errs.FieldInvalid("contact_email", "Enter a valid email address, like name@example.com."))
		}
	}
	if f.ContactPhone != "" {
		fe.Add(checkPhone(f.ContactPhone))
	}
	for _, v := range []string{f.Name, f.Description, f.Organisation, f.ContactName} {
		if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
			fe.Add(errs.Invalidf("Remove the control characters from the form."))
			break
		}
	}
	return fe.Err()
}

// checkPhone checks a contact phone number.
func checkPhone(phone string) error {
	digits := 0
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() ", r):
		default:
			return errs.FieldInvalid("contact_phone", "A phone number uses digits, spaces and + - ( ) only.")
		}
	}
	if digits < 5 || digits > 20 {
		return errs.FieldInvalid("contact_phone", "A phone number has 5 to 20 digits.")
	}
	return nil
}

// Upload is a file the applicant sends with a form.
type Upload struct {
	Requirement string // which required document (empty for the avatar)
	Filename    string // as the browser named it, shown to reviewers only
	Body        io.Reader
}

// Requirements returns the documents an applicant in region must upload,
// from the platform settings.
func (s *Store) Requirements(ctx context.Context, region string) (_ []string, err error) {
	defer errs.Wrap(&err, "review.Store.Requirements()")
	p, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	return requirements(p, region), nil
}

func requirements(p settings.Platform, region string) []string {
	switch region {
	case account.Domestic:
		return p.DomesticDocuments
	case account.International:
		return p.InternationalDocuments
	}
	return nil
}

const appCols = `ap.id, ap.kind, ap.person_id, COALESCE(ap.account_id, 0), ap.type, ap.region, ap.name, ap.description, ap.organisation,
	ap.avatar_key, ap.contact_name, ap.contact_email, ap.contact_phone, ap.state, ap.round, COALESCE(ap.reviewer_id, 0), ap.decision_note,
	ap.first_submitted_at, ap.submitted_at, ap.decided_at, ap.created_at, ap.updated_at, pp.username, COALESCE(rv.username, '')`

const appFrom = ` FROM applications ap JOIN people pp ON pp.id = ap.person_id LEFT JOIN people rv ON rv.id = ap.reviewer_id`

func scanApp(sc interface{ Scan(...any) error }) (*Application, error) {
	var a Application
	var first, sub, dec, cr, up int64
	err := sc.Scan(&a.ID, &a.Kind, &a.PersonID, &a.AccountID, &a.Type, &a.Region, &a.Name, &a.Description, &a.Organisation,
		&a.AvatarKey, &a.ContactName, &a.ContactEmail, &a.ContactPhone, &a.State, &a.Round, &a.ReviewerID, &a.DecisionNote,
		&first, &sub, &dec, &cr, &up, &a.ApplicantName, &a.ReviewerName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("No such application.")
	}
	if err != nil {
		return nil, err
	}
	a.FirstSubmittedAt, a.SubmittedAt, a.DecidedAt = db.FromMicro(first), db.FromMicro(sub), db.FromMicro(dec)
	a.CreatedAt, a.UpdatedAt = db.FromMicro(cr), db.FromMicro(up)
	return &a, nil
}

// Application returns an application by id, whoever asks.
func (s *Store) Application(ctx context.Context, appID int64) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.Application(%d)", appID)
	return scanApp(s.db.QueryRow(ctx, `SELECT `+appCols+appFrom+` WHERE ap.id = ?`, appID))
}

// ApplicationFor returns an application that p may see: their own, or any
// for platform staff. Others get not found.
func (s *Store) ApplicationFor(ctx context.Context, p *user.Person, appID int64) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.ApplicationFor(%d)", appID)
	a, err := s.Application(ctx, appID)
	if err != nil {
		return nil, err
	}
	if p == nil || (a.PersonID != p.ID && !p.IsStaff()) {
		return nil, errs.NotFoundf("No such application.")
	}
	return a, nil
}

// lockApp reads an application inside tx, locking it on PostgreSQL.
func lockApp(ctx context.Context, tx *db.Tx, appID int64) (*Application, error) {
	return scanApp(tx.QueryRow(ctx, `SELECT `+appCols+appFrom+` WHERE ap.id = ?`+forUpdateOf(tx, "ap"), appID))
}

func forUpdateOf(q db.Querier, table string) string {
	if q.Dialect() == db.Postgres {
		return " FOR UPDATE OF " + table
	}
	return ""
}

// ForPerson lists a person's applications, newest first.
func (s *Store) ForPerson(ctx context.Context, personID int64) (_ []*Application, err error) {
	defer errs.Wrap(&err, "review.Store.ForPerson(%d)", personID)
	rows, err := s.db.Query(ctx, `SELECT `+appCols+appFrom+` WHERE ap.person_id = ? ORDER BY ap.created_at DESC`, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Application, error) { return scanApp(r) })
}

// OpenForAccount returns the unfinished application (a renewal, or the
// registration still under review) of an account, or nil.
func (s *Store) OpenForAccount(ctx context.Context, accountID int64) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.OpenForAccount(%d)", accountID)
	a, err := scanApp(s.db.QueryRow(ctx, `SELECT `+appCols+appFrom+` WHERE ap.account_id = ? AND ap.state NOT IN ('approved', 'rejected')
		ORDER BY ap.created_at DESC LIMIT 1`, accountID))
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	return a, err
}

// Documents lists an application's uploaded documents.
func (s *Store) Documents(ctx context.Context, appID int64) (_ []*Document, err error) {
	defer errs.Wrap(&err, "review.Store.Documents(%d)", appID)
	rows, err := s.db.Query(ctx, `SELECT id, application_id, requirement, media_key, content_type, size, filename, created_at
		FROM application_documents WHERE application_id = ? ORDER BY created_at, id`, appID)
	return db.Collect(rows, err, scanDoc)
}

func scanDoc(r *sql.Rows) (*Document, error) {
	var d Document
	var cr int64
	err := r.Scan(&d.ID, &d.ApplicationID, &d.Requirement, &d.Key, &d.ContentType, &d.Size, &d.Filename, &cr)
	d.CreatedAt = db.FromMicro(cr)
	return &d, err
}

// Events returns an application's history, oldest first.
func (s *Store) Events(ctx context.Context, appID int64) (_ []Event, err error) {
	defer errs.Wrap(&err, "review.Store.Events(%d)", appID)
	rows, err := s.db.Query(ctx, `SELECT e.at, e.actor_id, COALESCE(p.username, 'system'), e.action, e.from_state, e.to_state, e.note
		FROM application_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.application_id = ? ORDER BY e.at, e.id`, appID)
	return db.Collect(rows, err, func(r *sql.Rows) (Event, error) {
		var e Event
		var at int64
		err := r.Scan(&at, &e.ActorID, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note)
		e.At = db.FromMicro(at)
		return e, err
	})
}

func addEvent(ctx context.Context, tx *db.Tx, appID int64, at time.Time, actor *user.Person, action, from, to, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO application_events (id, application_id, at, actor_id, action, from_state, to_state, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id.New(), appID, db.Micro(at), personID(actor), action, from, to, note)
	return err
}

func (s *Store) countOpen(ctx context.Context, personID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM applications WHERE person_id = ? AND state NOT IN ('approved', 'rejected')`, personID).Scan(&n)
	return n, err
}

// StartRegistration creates a draft application for a new account. Fields
// may be incomplete; whatever is filled in must follow the rules.
func (s *Store) StartRegistration(ctx context.Context, p *user.Person, f Fields) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.StartRegistration()")
	if p == nil {
		return nil, errs.Unauthorized
	}
	f.normalise()
	if err := f.check(false); err != nil {
		return nil, err
	}
	if err := s.nameFree(ctx, f.Name, 0); err != nil {
		return nil, err
	}
	if n, err := s.countOpen(ctx, p.ID); err != nil {
		return nil, err
	} else if n >= MaxOpenApplications {
		return nil, errs.TooManyf("You have %d unfinished applications. Finish or wait for those first.", n)
	}
	now := s.now()
	appID := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (id, kind, person_id, type, region, name, description, organisation,
			contact_name, contact_email, contact_phone, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, appID, KindRegistration, p.ID, f.Type, f.Region, f.Name, f.Description,
			f.Organisation, f.ContactName, f.ContactEmail, f.ContactPhone, Draft, db.Micro(now), db.Micro(now))
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, appID, now, p, "create", "", Draft, "Draft started.")
	})
	if err != nil {
		return nil, err
	}
	return s.Application(ctx, appID)
}

// StartRenewal creates a draft application to renew the verification of an
// account, copying its identity. It opens within the warning period before
// expiry, or any time after a lapse.
func (s *Store) StartRenewal(ctx context.Context, p *user.Person, accountID int64) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.StartRenewal(%d)", accountID)
	if p == nil {
		return nil, errs.Unauthorized
	}
	role, err := s.accounts.Role(ctx, accountID, p.ID)
	if err != nil {
		return nil, err
	}
	if !account.Can(role, account.ActProfile) {
		return nil, errs.Forbiddenf("Your role (%s) does not allow renewing the verification.", role)
	}
	a, err := s.accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if a.Status != account.StatusActive {
		return nil, errs.Conflictf("Only an active account can renew its verification (this one is %s).", errs.Text(a.Status))
	}
	if open, err := s.OpenForAccount(ctx, accountID); err != nil {
		return nil, err
	} else if open != nil {
		return nil, errs.Conflictf("This account already has an application in progress (%s).", errs.Text(open.StateLabel()))
	}
	st, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if opens := a.VerifiedUntil.AddDate(0, 0, -st.VerificationWarnDays); now.Before(opens) {
		return nil, errs.Conflictf("Renewal opens on %s, %d days before the verification expires.", opens.Format("2006-01-02"), st.VerificationWarnDays)
	}
	var contactName, contactEmail, contactPhone string
	_ = s.db.QueryRow(ctx, `SELECT contact_name, contact_email, contact_phone FROM applications
		WHERE account_id = ? AND state = 'approved' ORDER BY decided_at DESC LIMIT 1`, accountID).Scan(&contactName, &contactEmail, &contactPhone)
	appID := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (id, kind, person_id, account_id, type, region, name, description, organisation, avatar_key,
			contact_name, contact_email, contact_phone, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, appID, KindRenewal, p.ID, a.ID, a.Type, a.Region, a.Name, a.Description,
			a.Organisation, a.AvatarPath, contactName, contactEmail, contactPhone, Draft, db.Micro(now), db.Micro(now))
		if err != nil {
			return err
		}
		return addEvent(ctx, tx, appID, now, p, "create", "", Draft, "Renewal of the verification started.")
	})
	if err != nil {
		return nil, err
	}
	return s.Application(ctx, appID)
}

func (s *Store) nameFree(ctx context.Context, name string, exceptAccount int64) error {
	if name == "" {
		return nil
	}
	taken, err := account.NameTaken(ctx, s.db, name, exceptAccount)
	if err != nil {
		return err
	}
	if taken {
		return errs.FieldInvalid("name", "That account name is already taken.")
	}
	return nil
}

// Save updates a draft (or an application the reviewer sent back for more
// information) with new answers and files. Nothing changes when any field
// or file breaks a rule. Identity fields of a renewal (type, region, name)
// come from the account and cannot change.
func (s *Store) Save(ctx context.Context, p *user.Person, appID int64, f Fields, avatar *Upload, docs []Upload) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.Save(%d)", appID)
	if p == nil {
		return nil, errs.Unauthorized
	}
	cur, err := s.ApplicationFor(ctx, p, appID)
	if err != nil {
		return nil, err
	}
	if cur.PersonID != p.ID {
		return nil, errs.Forbiddenf("Only the applicant can change an application.")
	}
	if _, err := Next(cur.State, ActSave); err != nil {
		return nil, err
	}
	f.normalise()
	if err := checkFixed(cur, &f); err != nil {
		return nil, err
	}
	if err := f.check(false); err != nil {
		return nil, err
	}
	if err := s.nameFree(ctx, f.Name, cur.AccountID); err != nil {
		return nil, err
	}
	required, err := s.Requirements(ctx, f.Region)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if !contains(required, d.Requirement) {
			if f.Region == "" {
				return nil, errs.FieldInvalid("region", "Choose the region first: the documents depend on it.")
			}
			return nil, errs.Invalidf("%q is not a document %s accounts need. Reload the page and upload again.", d.Requirement, f.Region)
		}
	}

	// Store the files first; if anything fails later they are removed, so
	// a refused form leaves nothing behind.
	var stored []string
	cleanup := func() {
		for _, k := range stored {
			_ = s.media.Delete(context.WithoutCancel(ctx), k)
		}
	}
	prefix := fmt.Sprintf("applications/%d", appID)
	var avatarKey string
	if avatar != nil {
		saved, err := media.Save(ctx, s.media, prefix, media.Avatar, avatar.Body)
		if err != nil {
			return nil, fieldOf(err, "avatar")
		}
		stored = append(stored, saved.Key)
		avatarKey = saved.Key
	}
	type savedDoc struct {
		Upload
		*media.Saved
	}
	var newDocs []savedDoc
	for i, d := range docs {
		saved, err := media.Save(ctx, s.media, prefix, media.Document, d.Body)
		if err != nil {
			cleanup()
			return nil, fieldOf(err, fmt.Sprintf("doc_%d", docIndex(required, d.Requirement, i)))
		}
		stored = append(stored, saved.Key)
		newDocs = append(newDocs, savedDoc{d, saved})
	}

	now := s.now()
	var obsolete []string
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		if _, err := Next(a.State, ActSave); err != nil {
			return err
		}
		if avatarKey != "" {
			if a.AvatarKey != "" && a.AvatarKey != avatarKey && !a.IsRenewal() {
				obsolete = append(obsolete, a.AvatarKey)
			}
		} else {
			avatarKey = a.AvatarKey
		}
		_, err = tx.Exec(ctx, `UPDATE applications SET type = ?, region = ?, name = ?, description = ?, organisation = ?, avatar_key = ?,
			contact_name = ?, contact_email = ?, contact_phone = ?, updated_at = ? WHERE id = ?`,
			f.Type, f.Region, f.Name, f.Description, f.Organisation, avatarKey, f.ContactName, f.ContactEmail, f.ContactPhone, db.Micro(now), appID)
		if err != nil {
			return err
		}
		for _, d := range newDocs {
			var old string
			err := db.Get(tx.QueryRow(ctx, `SELECT media_key FROM application_documents WHERE application_id = ? AND requirement = ?`, appID, d.Requirement), &old)
			switch {
			case err == nil:
				obsolete = append(obsolete, old)
				_, err = tx.Exec(ctx, `UPDATE application_documents SET media_key = ?, content_type = ?, size = ?, filename = ?, created_at = ?
					WHERE application_id = ? AND requirement = ?`, d.Key, d.ContentType, d.Size, cleanFilename(d.Filename), db.Micro(now), appID, d.Requirement)
			case errors.Is(err, errs.NotFound):
				_, err = tx.Exec(ctx, `INSERT INTO application_documents (id, application_id, requirement, media_key, content_type, size, filename, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id.New(), appID, d.Requirement, d.Key, d.ContentType, d.Size, cleanFilename(d.Filename), db.Micro(now))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	for _, k := range obsolete {
		_ = s.media.Delete(ctx, k)
	}
	return s.Application(ctx, appID)
}

// checkFixed refuses changes to what can no longer change: the region once
// submitted, and a renewal's identity. Empty values mean "unchanged".
func checkFixed(a *Application, f *Fields) error {
	if a.RegionFixed() && f.Region != "" && f.Region != a.Region {
		return errs.FieldInvalid("region", "The region is fixed once an application is submitted: a %s account can never become %s.",
			a.Region, f.Region)
	}
	if a.RegionFixed() {
		f.Region = a.Region
	}
	if a.IsRenewal() {
		if (f.Type != "" && f.Type != a.Type) || (f.Name != "" && f.Name != a.Name) {
			return errs.Invalidf("A renewal keeps the account's type and name.")
		}
		f.Type, f.Name = a.Type, a.Name
	}
	return nil
}

// fieldOf puts an upload error on a form field.
func fieldOf(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindInvalid && e.Field == "" {
		return errs.FieldInvalid(field, "%s", e.Message)
	}
	return err
}

func docIndex(required []string, req string, fallback int) int {
	for i, r := range required {
		if r == req {
			return i
		}
	}
	return fallback
}

func cleanFilename(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:120])
	}
	return s
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Submit sends the application to the review queue, the first time or after
// amending. Every field, the avatar and each required document must be
// there. The first submission of a registration creates the account, in
// status pending, with the applicant as owner; from then on its region is
// fixed.
func (s *Store) Submit(ctx context.Context, p *user.Person, appID int64) (_ *Application, err error) {
	defer errs.Wrap(&err, "review.Store.Submit(%d)", appID)
	if p == nil {
		return nil, errs.Unauthorized
	}
	st, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		if a.PersonID != p.ID {
			if p.IsStaff() {
				return errs.Forbiddenf("Only the applicant can submit an application.")
			}
			return errs.NotFoundf("No such application.")
		}
		to, err := Next(a.State, ActSubmit)
		if err != nil {
			return err
		}
		f := Fields{Type: a.Type, Region: a.Region, Name: a.Name, Description: a.Description, Organisation: a.Organisation,
			ContactName: a.ContactName, ContactEmail: a.ContactEmail, ContactPhone: a.ContactPhone}
		if err := f.check(true); err != nil {
			return err
		}
		if a.AvatarKey == "" {
			return errs.FieldInvalid("avatar", "Upload the account's avatar (a square JPEG, PNG or WebP image).")
		}
		required := requirements(st, a.Region)
		have := map[string]bool{}
		rows, err := tx.Query(ctx, `SELECT requirement FROM application_documents WHERE application_id = ?`, appID)
		reqs, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) { var v string; return v, r.Scan(&v) })
		if err != nil {
			return err
		}
		for _, r := range reqs {
			have[r] = true
		}
		for i, r := range required {
			if !have[r] {
				return errs.FieldInvalid(fmt.Sprintf("doc_%d", i), "Upload this document: %s.", r)
			}
		}
		accountID := a.AccountID
		switch {
		case a.Kind == KindRegistration && accountID == 0:
			acct, err := account.CreateTx(ctx, tx, account.NewAccount{Type: a.Type, Region: a.Region, Name: a.Name,
				Description: a.Description, Organisation: a.Organisation, OwnerID: a.PersonID}, db.Micro(now))
			if err != nil {
				return err
			}
			accountID = acct.ID
		case a.Kind == KindRegistration:
			// Amended after a request for more information: the pending
			// account follows the answers; its region never changes.
			res, err := tx.Exec(ctx, `UPDATE accounts SET type = ?, name = ?, name_key = ?, search_key = ?, description = ?, organisation = ?, updated_at = ?
				WHERE id = ? AND status = 'pending'`, a.Type, a.Name, account.NormalizeName(a.Name), account.SearchKey(a.Name), a.Description, a.Organisation, db.Micro(now), accountID)
			if db.IsUniqueViolation(err) {
				return errs.FieldInvalid("name", "That account name is already taken.")
			}
			if err != nil {
				return err
			}
			if err := changed(res); err != nil {
				return err
			}
		}
		first := a.FirstSubmittedAt
		if first.IsZero() {
			first = now
		}
		res, err := tx.Exec(ctx, `UPDATE applications SET state = ?, account_id = ?, round = round + 1, reviewer_id = NULL, decision_note = '',
			first_submitted_at = ?, submitted_at = ?, updated_at = ? WHERE id = ? AND state = ?`,
			to, accountID, db.Micro(first), db.Micro(now), db.Micro(now), appID, a.State)
		if err != nil {
			return err
		}
		if err := changed(res); err != nil {
			return err
		}
		note := "Submitted for review."
		if a.Round > 0 {
			note = fmt.Sprintf("Amended and submitted again (round %d).", a.Round+1)
		}
		if err := addEvent(ctx, tx, appID, now, p, ActSubmit, a.State, to, note); err != nil {
			return err
		}
		return audit(ctx, tx, now, p, AuditSubmit, accountID, a.Name, "application", appID, submitPhrase(a.Kind, a.Round+1))
	})
	if err != nil {
		return nil, err
	}
	return s.Application(ctx, appID)
}
