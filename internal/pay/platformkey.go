package pay

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// PlatformKey is the platform's RSA key with its self-signed certificate.
// It signs API responses and notifications; merchants verify with the
// certificate from /v3/certificates (or the public key shown in docs).
type PlatformKey struct {
	Serial  string // the certificate's serial in SerialHex form ("0E9D…")
	Key     *rsa.PrivateKey
	CertPEM string
	Created time.Time
}

// PlatformKeys loads the platform key, creating it on first use.
//
// Where the private key lives: in the database (pay_platform_keys), sealed
// with AES-256-GCM under a key derived from Herald's boot secret (the same
// secret that signs sessions, kept in the data directory or HERALD_SECRET).
// A database dump alone therefore does not reveal the key, every node of a
// cluster that shares the secret and the database signs with the same key,
// and nothing extra needs to be deployed. Losing the secret means making a
// new platform key (merchants fetch the new certificate).
type PlatformKeys struct {
	DB     *db.DB
	Secret []byte
	// NewSerial chooses the serial number of a new platform certificate;
	// nil picks a random positive 127-bit number (tests choose serials
	// whose first byte is below 0x10).
	NewSerial func() (*big.Int, error)

	mu  sync.Mutex
	cur *PlatformKey
}

func (k *PlatformKeys) sealKey() []byte {
	h := sha256.Sum256(append([]byte("herald-pay-platform-key\x00"), k.Secret...))
	return h[:]
}

func (k *PlatformKeys) seal(plain []byte) (string, error) {
	block, err := aes.NewCipher(k.sealKey())
	if err != nil {
		return "", err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return "sealed:v1:" + base64.StdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte("pay_platform_keys"))), nil
}

func (k *PlatformKeys) open(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "sealed:v1:"))
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k.sealKey())
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(raw) < g.NonceSize() {
		return nil, errors.New("pay: sealed key too short")
	}
	return g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte("pay_platform_keys"))
}

// Current returns the platform key, making one the first time. Two nodes
// racing both insert; both then use the oldest, so they agree.
func (k *PlatformKeys) Current(ctx context.Context) (_ *PlatformKey, err error) {
	defer errs.Wrap(&err, "pay.PlatformKeys.Current()")
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cur != nil {
		return k.cur, nil
	}
	pk, err := k.load(ctx)
	if errors.Is(err, errs.NotFound) {
		if err := k.create(ctx); err != nil {
			return nil, err
		}
		pk, err = k.load(ctx)
	}
	if err != nil {
		return nil, err
	}
	k.cur = pk
	return pk, nil
}

func (k *PlatformKeys) load(ctx context.Context) (*PlatformKey, error) {
	var serial, sealed, cert string
	var created int64
	if err := db.Get(k.DB.WriterQueryRow(ctx, `SELECT serial, private_pem, certificate_pem, created_at FROM pay_platform_keys ORDER BY created_at, serial LIMIT 1`),
		&serial, &sealed, &cert, &created); err != nil {
		return nil, err
	}
	der, err := k.open(sealed)
	if err != nil {
		return nil, fmt.Errorf("pay: the platform key cannot be unsealed with this secret: %w", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("pay: platform key is not RSA")
	}
	// The serial shown, sent and compared is read from the certificate
	// itself, so a row stored with an odd-length serial (before serials
	// kept the leading zero of their first byte) still names the
	// certificate as clients file it.
	if blk, _ := pem.Decode([]byte(cert)); blk != nil {
		if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
			serial = CertSerial(c)
		}
	}
	if c, ok := CanonicalSerial(serial); ok {
		serial = c
	}
	return &PlatformKey{Serial: serial, Key: rk, CertPEM: cert, Created: db.FromMicro(created)}, nil
}

func (k *PlatformKeys) create(ctx context.Context) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	var serialInt *big.Int
	if k.NewSerial != nil {
		serialInt, err = k.NewSerial()
	} else {
		serialInt, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	}
	if err != nil {
		return err
	}
	if serialInt.Sign() <= 0 {
		serialInt = big.NewInt(1)
	}
	now := time.Now().UTC()
	tpl := &x509.Certificate{
		SerialNumber: serialInt,
		Subject:      pkix.Name{CommonName: "Herald Pay platform", Organization: []string{"Herald"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	sealed, err := k.seal(der)
	if err != nil {
		return err
	}
	serial := SerialHex(serialInt)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}))
	_, err = k.DB.Exec(ctx, `INSERT INTO pay_platform_keys (serial, private_pem, certificate_pem, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (serial) DO NOTHING`, serial, sealed, certPEM, db.Micro(now))
	return err
}

// PublicKeyPEM returns the platform's public key in PEM (PKIX).
func (p *PlatformKey) PublicKeyPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(&p.Key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
