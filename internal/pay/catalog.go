package pay

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Merchant is a Service account's merchant profile.
type Merchant struct {
	AccountID         int64
	MchID             string // WeChat-Pay-style merchant number
	DisplayName       string // shown on the pay sheet
	Enabled           bool
	NotifyURL         string // default notify_url for API orders
	APIv3Key          string // 32 characters; encrypts notifications
	MerchantPublicKey string // PEM; verifies the merchant's signed requests
	MerchantSerial    string // the merchant certificate serial it signs with (SerialHex form)
	CreatedAt         time.Time
}

// ErrSubscription explains why Subscription accounts cannot take payments.
var ErrSubscription = errs.Conflictf("Payments are a Service account feature: Subscription accounts publish daily and chat, but cannot sell or take payments. A Service account can.")

// ErrNotMerchant is returned when an account has not enabled payments.
var ErrNotMerchant = errs.Conflictf("This account has not enabled payments.")

const merchantCols = `account_id, mch_id, display_name, enabled, notify_url, api_v3_key, merchant_public_key, merchant_serial, created_at`

func scanMerchant(sc interface{ Scan(...any) error }) (*Merchant, error) {
	var m Merchant
	var enabled int
	var created int64
	if err := sc.Scan(&m.AccountID, &m.MchID, &m.DisplayName, &enabled, &m.NotifyURL, &m.APIv3Key, &m.MerchantPublicKey, &m.MerchantSerial, &created); err != nil {
		return nil, err
	}
	m.Enabled, m.CreatedAt = enabled == 1, db.FromMicro(created)
	if c, ok := CanonicalSerial(m.MerchantSerial); ok {
		m.MerchantSerial = c // rows stored before serials were kept in SerialHex form
	}
	return &m, nil
}

// Merchant returns an account's merchant profile (db.ErrNotFound if none).
func (s *Store) Merchant(ctx context.Context, accountID int64) (_ *Merchant, err error) {
	defer errs.Wrap(&err, "pay.Store.Merchant(%d)", accountID)
	return s.merchantWhere(ctx, `account_id = ?`, accountID)
}

// MerchantByMchID returns the merchant with a merchant number.
func (s *Store) MerchantByMchID(ctx context.Context, mchID string) (_ *Merchant, err error) {
	defer errs.Wrap(&err, "pay.Store.MerchantByMchID(%q)", mchID)
	return s.merchantWhere(ctx, `mch_id = ?`, mchID)
}

func (s *Store) merchantWhere(ctx context.Context, where string, arg any) (*Merchant, error) {
	rows, err := s.db.Query(ctx, `SELECT `+merchantCols+` FROM pay_merchants WHERE `+where, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, db.ErrNotFound
	}
	return scanMerchant(rows)
}

// randomKey returns n characters from an unambiguous alphabet.
func randomKey(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// EnableMerchant turns payments on for a Service account (creating its
// merchant profile with a merchant number and APIv3 key the first time), or
// updates the display name and notify URL.
func (s *Store) EnableMerchant(ctx context.Context, a *account.Account, displayName, notifyURL string) (_ *Merchant, err error) {
	defer errs.Wrap(&err, "pay.Store.EnableMerchant(%d)", a.ID)
	if !a.IsService() {
		return nil, ErrSubscription
	}
	if a.Status != account.StatusActive {
		return nil, errs.Conflictf("The account is %s; payments can be enabled once it is active.", errs.Text(a.Status))
	}
	displayName = strings.TrimSpace(displayName)
	if displayName == "" {
		displayName = a.Name
	}
	if utf8.RuneCountInString(displayName) > 40 {
		return nil, errs.FieldInvalid("display_name", "A merchant name has at most 40 characters.")
	}
	notifyURL = strings.TrimSpace(notifyURL)
	if notifyURL != "" && !strings.HasPrefix(notifyURL, "https://") && !strings.HasPrefix(notifyURL, "http://") {
		return nil, errs.FieldInvalid("notify_url", "The notification URL must start with https:// (or http:// for testing).")
	}
	if len(notifyURL) > 256 {
		return nil, errs.FieldInvalid("notify_url", "The notification URL has at most 256 characters.")
	}
	now := db.Micro(s.now())
	mch := fmt.Sprintf("19%08d", uint64(a.ID)%100_000_000)
	_, err = s.db.Exec(ctx, `INSERT INTO pay_merchants (account_id, mch_id, display_name, enabled, notify_url, api_v3_key, created_at, updated_at)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET display_name = excluded.display_name, notify_url = excluded.notify_url, enabled = 1, updated_at = excluded.updated_at`,
		a.ID, mch, displayName, notifyURL, randomKey(32), now, now)
	if db.IsUniqueViolation(err) { // two accounts share the last eight digits: use an id-based number
		_, err = s.db.Exec(ctx, `INSERT INTO pay_merchants (account_id, mch_id, display_name, enabled, notify_url, api_v3_key, created_at, updated_at)
			VALUES (?, ?, ?, 1, ?, ?, ?, ?)`, a.ID, fmt.Sprintf("%d", id.New()), displayName, notifyURL, randomKey(32), now, now)
	}
	if err != nil {
		return nil, err
	}
	return s.Merchant(ctx, a.ID)
}

// DisableMerchant stops new orders; paid orders can still be refunded.
func (s *Store) DisableMerchant(ctx context.Context, accountID int64) (err error) {
	defer errs.Wrap(&err, "pay.Store.DisableMerchant(%d)", accountID)
	_, err = s.db.Exec(ctx, `UPDATE pay_merchants SET enabled = 0, updated_at = ? WHERE account_id = ?`, db.Micro(s.now()), accountID)
	return err
}

// SetMerchantKey stores the merchant's RSA public key (PEM, PKIX or
// PKCS#1) with the serial number its requests name. The serial is stored
// in SerialHex form (even-length upper-case hex), whichever accepted form
// it was typed in.
func (s *Store) SetMerchantKey(ctx context.Context, accountID int64, publicPEM, serial string) (err error) {
	defer errs.Wrap(&err, "pay.Store.SetMerchantKey(%d)", accountID)
	publicPEM = strings.TrimSpace(publicPEM)
	if _, err := ParsePublicKey(publicPEM); err != nil {
		return errs.FieldInvalid("public_key", "Paste an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----).")
	}
	serial, ok := CanonicalSerial(serial)
	if !ok {
		return errs.FieldInvalid("serial", "Enter the certificate serial number in hexadecimal (at most %d digits).", MaxSerialDigits)
	}
	res, err := s.db.Exec(ctx, `UPDATE pay_merchants SET merchant_public_key = ?, merchant_serial = ?, updated_at = ? WHERE account_id = ?`,
		publicPEM, serial, db.Micro(s.now()), accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotMerchant
	}
	return nil
}

// ResetAPIv3Key gives the merchant a new APIv3 key and returns it.
func (s *Store) ResetAPIv3Key(ctx context.Context, accountID int64) (_ string, err error) {
	defer errs.Wrap(&err, "pay.Store.ResetAPIv3Key(%d)", accountID)
	k := randomKey(32)
	res, err := s.db.Exec(ctx, `UPDATE pay_merchants SET api_v3_key = ?, updated_at = ? WHERE account_id = ?`, k, db.Micro(s.now()), accountID)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", ErrNotMerchant
	}
	return k, nil
}

// ParsePublicKey reads an RSA public key in PEM (PKIX or PKCS#1).
func ParsePublicKey(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PublicKey(block.Bytes)
}

// Product is one item of an account's catalogue.
type Product struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	Price       int64 // fen
	Stock       int64
	ImageKey    string // media store key, "" if none
	ImageType   string
	Active      bool
	CreatedAt   time.Time
}

// ProductInput is what the console's product form sends.
type ProductInput struct {
	Name        string
	Description string
	Price       int64
	Stock       int64
	ImageKey    string // "" keeps the current image
	ImageType   string
	Active      bool
}

func (in *ProductInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return errs.FieldInvalid("name", "Give the product a name.")
	case n > 60:
		return errs.FieldInvalid("name", "A product name has at most 60 characters.")
	}
	if utf8.RuneCountInString(in.Description) > 1000 {
		return errs.FieldInvalid("description", "A description has at most 1000 characters.")
	}
	if err := checkAmount(in.Price, "price"); err != nil {
		return err
	}
	if in.Stock < 0 || in.Stock > 1_000_000 {
		return errs.FieldInvalid("stock", "Stock is a whole number from 0 to 1,000,000.")
	}
	return nil
}

const productCols = `id, account_id, name, description, price, stock, image_key, image_type, active, created_at`

func scanProduct(sc interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var active int
	var created int64
	if err := sc.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.Price, &p.Stock, &p.ImageKey, &p.ImageType, &active, &created); err != nil {
		return nil, err
	}
	p.Active, p.CreatedAt = active == 1, db.FromMicro(created)
	return &p, nil
}

// SaveProduct creates (productID 0) or updates a product of the account.
func (s *Store) SaveProduct(ctx context.Context, accountID, productID int64, in ProductInput) (_ *Product, err error) {
	defer errs.Wrap(&err, "pay.Store.SaveProduct(%d, %d)", accountID, productID)
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := db.Micro(s.now())
	active := 0
	if in.Active {
		active = 1
	}
	if productID == 0 {
		productID = id.New()
		if _, err := s.db.Exec(ctx, `INSERT INTO pay_products (id, account_id, name, description, price, stock, image_key, image_type, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, productID, accountID, in.Name, in.Description, in.Price, in.Stock, in.ImageKey, in.ImageType, active, now, now); err != nil {
			return nil, err
		}
		return s.Product(ctx, accountID, productID)
	}
	q := `UPDATE pay_products SET name = ?, description = ?, price = ?, stock = ?, active = ?, updated_at = ?`
	args := []any{in.Name, in.Description, in.Price, in.Stock, active, now}
	if in.ImageKey != "" {
		q += `, image_key = ?, image_type = ?`
		args = append(args, in.ImageKey, in.ImageType)
	}
	res, err := s.db.Exec(ctx, q+` WHERE id = ? AND account_id = ?`, append(args, productID, accountID)...)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, db.ErrNotFound
	}
	return s.Product(ctx, accountID, productID)
}

// Product returns one product of an account (accountID 0: any account).
func (s *Store) Product(ctx context.Context, accountID, productID int64) (_ *Product, err error) {
	defer errs.Wrap(&err, "pay.Store.Product(%d, %d)", accountID, productID)
	q, args := `SELECT `+productCols+` FROM pay_products WHERE id = ?`, []any{productID}
	if accountID != 0 {
		q, args = q+` AND account_id = ?`, append(args, accountID)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, db.ErrNotFound
	}
	return scanProduct(rows)
}

// Products lists an account's products, newest first (activeOnly: only
// those on sale).
func (s *Store) Products(ctx context.Context, accountID int64, activeOnly bool) (_ []*Product, err error) {
	defer errs.Wrap(&err, "pay.Store.Products(%d)", accountID)
	q := `SELECT ` + productCols + ` FROM pay_products WHERE account_id = ?`
	if activeOnly {
		q += ` AND active = 1`
	}
	return collect(func(r *sql.Rows) (*Product, error) {
		return scanProduct(r)
	})(s.db.Query(ctx, q+` ORDER BY id DESC LIMIT 500`, accountID))
}
