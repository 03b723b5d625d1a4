package wxpay

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// AuthScheme is the Authorization scheme of WeChat Pay v3 requests.
const AuthScheme = "WECHATPAY2-SHA256-RSA2048"

// Auth is a parsed Authorization header:
//
//	WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"
type Auth struct {
	MchID, Nonce, Signature, Timestamp, Serial string
}

// ParseAuth reads an Authorization header value.
func ParseAuth(h string) (*Auth, error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || scheme != AuthScheme {
		return nil, errors.New("the Authorization header must use " + AuthScheme)
	}
	a := &Auth{}
	for _, part := range splitParams(rest) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.TrimSpace(k) {
		case "mchid":
			a.MchID = v
		case "nonce_str":
			a.Nonce = v
		case "signature":
			a.Signature = v
		case "timestamp":
			a.Timestamp = v
		case "serial_no":
			a.Serial = v
		}
	}
	if a.MchID == "" || a.Nonce == "" || a.Signature == "" || a.Timestamp == "" || a.Serial == "" {
		return nil, errors.New("the Authorization header needs mchid, nonce_str, signature, timestamp and serial_no")
	}
	return a, nil
}

// splitParams splits k="v",k="v" on commas outside quotes (a base64
// signature has no commas, but be safe).
func splitParams(s string) []string {
	var out []string
	quoted, start := false, 0
	for i, c := range s {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// Message joins the lines that are signed, each followed by "\n": for a
// request METHOD, URL (path and query), timestamp, nonce, body; for a
// response or notification timestamp, nonce, body.
func Message(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Sign returns base64(RSA-SHA256(key, msg)) (PKCS #1 v1.5).
func Sign(key *rsa.PrivateKey, msg string) (string, error) {
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks a base64 RSA-SHA256 signature of msg.
func Verify(pub *rsa.PublicKey, msg, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return errors.New("the signature is not base64")
	}
	sum := sha256.Sum256([]byte(msg))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// Encrypt seals plaintext with AEAD_AES_256_GCM under the 32-byte APIv3
// key, returning the 12-character nonce and base64(ciphertext‖tag).
func Encrypt(apiV3Key, associatedData string, plaintext []byte) (nonce, ciphertext string, err error) {
	if len(apiV3Key) != 32 {
		return "", "", errors.New("wxpay: the APIv3 key must have 32 bytes")
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return "", "", err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return "", "", err
	}
	nonce = randomString(12)
	return nonce, base64.StdEncoding.EncodeToString(g.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))), nil
}

// Decrypt opens what Encrypt sealed (merchants' side; used in tests).
func Decrypt(apiV3Key, associatedData, nonce, ciphertext string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return g.Open(nil, []byte(nonce), raw, []byte(associatedData))
}

func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
