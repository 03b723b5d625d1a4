package pay

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
)

// MaxSerialDigits bounds a certificate serial typed or sent by a merchant
// (RFC 5280 serials have at most 20 bytes; WeChat Pay's have 20).
const MaxSerialDigits = 64

// SerialHex writes a certificate serial number the way WeChat Pay, its SDKs
// and OpenSSL write it: the serial's bytes, big-endian and without leading
// zero bytes, as upper-case hex with two digits per byte. A serial whose
// first byte is below 0x10 therefore keeps its leading zero ("0E9D…"), and
// the result always has an even number of digits.
func SerialHex(n *big.Int) string {
	if n == nil || n.Sign() == 0 {
		return "00"
	}
	return fmt.Sprintf("%X", new(big.Int).Abs(n).Bytes())
}

// CertSerial is SerialHex of a certificate's serial number.
func CertSerial(c *x509.Certificate) string { return SerialHex(c.SerialNumber) }

// CanonicalSerial reads a serial as a person or a client may write it —
// either case, with or without the leading zero of its first byte, with a
// "0x" prefix or OpenSSL's colon separators ("0e:9d:91") — and returns it in
// SerialHex form. ok is false when s is not a hexadecimal number of at most
// MaxSerialDigits digits.
func CanonicalSerial(s string) (canonical string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if strings.Contains(s, ":") {
		s = strings.ReplaceAll(s, ":", "")
	}
	if s == "" || len(s) > MaxSerialDigits {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		return "", false
	}
	return SerialHex(n), true
}

// SameSerial reports whether a and b are the same serial number, in
// whichever of the accepted forms each is written.
func SameSerial(a, b string) bool {
	ca, ok := CanonicalSerial(a)
	if !ok {
		return false
	}
	cb, ok := CanonicalSerial(b)
	return ok && ca == cb
}
