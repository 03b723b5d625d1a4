package webpush

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	wp "github.com/SherClockHolmes/webpush-go"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// vapid is the platform's VAPID key pair, both base64url as webpush-go
// takes them.
type vapid struct {
	public, private string
}

// PublicKey is the VAPID public key browsers subscribe with
// (applicationServerKey), base64url without padding.
func (s *Service) PublicKey(ctx context.Context) (_ string, err error) {
	defer errs.Wrap(&err, "webpush.Service.PublicKey()")
	k, err := s.vapid(ctx)
	if err != nil {
		return "", err
	}
	return k.public, nil
}

// vapid loads the key pair, making it the first time. Every node shares
// it: nodes racing to make it both insert with ON CONFLICT DO NOTHING and
// then read the one row that won.
func (s *Service) vapid(ctx context.Context) (*vapid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		return s.keys, nil
	}
	k, err := s.loadVAPID(ctx)
	if errors.Is(err, errs.NotFound) {
		priv, pub, gerr := wp.GenerateVAPIDKeys()
		if gerr != nil {
			return nil, gerr
		}
		sealed, serr := s.seal([]byte(priv))
		if serr != nil {
			return nil, serr
		}
		if _, err := s.DB.Exec(ctx, `INSERT INTO push_vapid (id, public_key, private_sealed, created_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, pub, sealed, db.Micro(s.Clock.Now())); err != nil {
			return nil, err
		}
		k, err = s.loadVAPID(ctx)
	}
	if err != nil {
		return nil, err
	}
	s.keys = k
	return k, nil
}

func (s *Service) loadVAPID(ctx context.Context) (*vapid, error) {
	var pub, sealed string
	if err := db.Get(s.DB.WriterQueryRow(ctx, `SELECT public_key, private_sealed FROM push_vapid WHERE id = 1`), &pub, &sealed); err != nil {
		return nil, err
	}
	priv, err := s.open(sealed)
	if err != nil {
		return nil, fmt.Errorf("webpush: the VAPID key cannot be unsealed with this node's secret key: %w", err)
	}
	return &vapid{public: pub, private: string(priv)}, nil
}

// The private key is sealed with AES-256-GCM under a key derived from the
// secret key every node shares, so a database dump alone does not reveal it.
func (s *Service) sealKey() []byte {
	h := sha256.Sum256(append([]byte("herald-webpush-vapid\x00"), s.Secret...))
	return h[:]
}

const sealPrefix = "sealed:v1:"

func (s *Service) seal(plain []byte) (string, error) {
	g, err := s.gcm()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return sealPrefix + base64.StdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, []byte("push_vapid"))), nil
}

func (s *Service) open(sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, sealPrefix))
	if err != nil {
		return nil, err
	}
	g, err := s.gcm()
	if err != nil {
		return nil, err
	}
	if len(raw) < g.NonceSize() {
		return nil, errors.New("sealed key too short")
	}
	return g.Open(nil, raw[:g.NonceSize()], raw[g.NonceSize():], []byte("push_vapid"))
}

func (s *Service) gcm() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.sealKey())
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
