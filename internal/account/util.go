package account

import (
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
)

type sqlRows = sql.Rows

var errNoRows = sql.ErrNoRows

// scanWith returns a scanner that reads the account columns followed by extra.
func scanWith(r *sql.Rows, extra ...any) interface{ Scan(...any) error } {
	return scanFunc(func(dest ...any) error { return r.Scan(append(dest, extra...)...) })
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// HashSecret returns the stored form of an AppSecret. AppSecrets are 128-bit
// random values, so a plain SHA-256 is enough to make them unreadable.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
