package wxcrypt

import (
	"crypto/rand"
	"fmt"
)

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// GenerateEncodingAESKey returns a new random EncodingAESKey: 43 characters
// from [A-Za-z0-9], the form the WeChat console generates and accepts.
func GenerateEncodingAESKey() string {
	out := make([]byte, 0, EncodingAESKeyLen)
	var buf [64]byte
	for len(out) < EncodingAESKeyLen {
		rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every character
			// equally likely.
			if b < 248 && len(out) < EncodingAESKeyLen {
				out = append(out, keyAlphabet[b%62])
			}
		}
	}
	return string(out)
}

// ValidateEncodingAESKey reports whether s is acceptable as an account's
// EncodingAESKey: exactly 43 characters from [A-Za-z0-9]. NewCipher itself is
// more lenient (any base64 that decodes to 32 bytes) so that keys already in
// use elsewhere keep working.
func ValidateEncodingAESKey(s string) error {
	if len(s) != EncodingAESKeyLen {
		return fmt.Errorf("%w: length %d, want %d", ErrInvalidKey, len(s), EncodingAESKeyLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return fmt.Errorf("%w: character %q at %d is not in [A-Za-z0-9]", ErrInvalidKey, c, i)
		}
	}
	return nil
}
