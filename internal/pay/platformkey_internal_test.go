package pay

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// An install made before serials kept their leading zero stored the
// platform key and a merchant's serial with an odd number of digits. After
// the migration both are in the even-length form, and a row the migration
// did not reach is still read in that form (the serial comes from the
// certificate).
func TestOddSerialsOfEarlierInstallsKeepWorking(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 120)
	// The platform key as the earlier code made it: serial 0x0E9D… written
	// as strings.ToUpper(serial.Text(16)).
	k := &PlatformKeys{DB: d, Secret: []byte("a boot secret of this install")}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	serial, _ := new(big.Int).SetString("0E9D915B0C1D2E3F405162738495A6B7", 16)
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "Herald Pay platform"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	certDER, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	sealed, err := k.seal(der)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}))
	if serial.Text(16) != "e9d915b0c1d2e3f405162738495a6b7" {
		t.Fatalf("the old form is %q", serial.Text(16))
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO pay_platform_keys (serial, private_pem, certificate_pem, created_at) VALUES (?, ?, ?, 1)`, []any{"E9D915B0C1D2E3F405162738495A6B7", sealed, certPEM}},
		{`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (5, 'service', 'domestic', 'Tea House', 'tea house', 'active', 1, 1)`, nil},
		{`INSERT INTO pay_merchants (account_id, mch_id, display_name, merchant_serial, created_at, updated_at) VALUES (5, '1900000005', 'Tea House', 'abc12', 1, 1)`, nil},
	} {
		if _, err := d.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var stored, merchant string
	if err := db.Get(d.QueryRow(ctx, `SELECT serial FROM pay_platform_keys`), &stored); err != nil || stored != "0E9D915B0C1D2E3F405162738495A6B7" {
		t.Fatalf("platform serial after migration %q %v", stored, err)
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT merchant_serial FROM pay_merchants WHERE account_id = 5`), &merchant); err != nil || merchant != "0ABC12" {
		t.Fatalf("merchant serial after migration %q %v", merchant, err)
	}
	pk, err := k.Current(ctx)
	if err != nil || pk.Serial != "0E9D915B0C1D2E3F405162738495A6B7" || pk.Key.N.Cmp(key.N) != 0 {
		t.Fatalf("platform key after migration: %+v %v", pk, err)
	}

	// A row still in the old form (restored from an old dump, say) is read
	// in the new one.
	if _, err := d.Exec(ctx, `UPDATE pay_platform_keys SET serial = 'E9D915B0C1D2E3F405162738495A6B7'`); err != nil {
		t.Fatal(err)
	}
	k2 := &PlatformKeys{DB: d, Secret: k.Secret}
	if pk, err := k2.Current(ctx); err != nil || pk.Serial != "0E9D915B0C1D2E3F405162738495A6B7" {
		t.Fatalf("platform key read from an old row: %+v %v", pk, err)
	}
}
