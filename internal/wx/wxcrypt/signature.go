// Package wxcrypt implements the cryptography of the WeChat Official Account
// push protocol: the SHA1 request signatures, the AES-256-CBC message
// envelope keyed by an EncodingAESKey, and the JS-SDK page signature.
//
// It is a pure library: no I/O, no clock, no configuration. Reference:
// docs/wechat-protocol.md and sections 3.2-3.5 and 18.2 of the protocol notes.
package wxcrypt

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
)

// Signature returns the plain push signature: the lower-case hex SHA1 of
// token, timestamp and nonce sorted lexicographically and concatenated. It is
// sent as the signature query parameter of every push and of the GET URL
// verification.
func Signature(token, timestamp, nonce string) string {
	return sortedSHA1(token, timestamp, nonce, "", false)
}

// MsgSignature returns the signature of an encrypted envelope: the hex SHA1
// of token, timestamp, nonce and the base64 Encrypt value, sorted and
// concatenated. It is the msg_signature query parameter of a push and the
// MsgSignature element of an encrypted reply.
func MsgSignature(token, timestamp, nonce, encrypt string) string {
	return sortedSHA1(token, timestamp, nonce, encrypt, true)
}

// CheckSignature reports whether sig is the plain Signature of token,
// timestamp and nonce. The comparison takes constant time.
func CheckSignature(token, timestamp, nonce, sig string) bool {
	return equalHex(Signature(token, timestamp, nonce), sig)
}

// CheckMsgSignature reports whether sig is the MsgSignature of token,
// timestamp, nonce and encrypt. The comparison takes constant time.
func CheckMsgSignature(token, timestamp, nonce, encrypt, sig string) bool {
	return equalHex(MsgSignature(token, timestamp, nonce, encrypt), sig)
}

// JSSDKSignature returns the wx.config signature of a web page: the hex SHA1
// of "jsapi_ticket=T&noncestr=N&timestamp=TS&url=U" (keys in ASCII order, raw
// values, no URL encoding). Everything from the first '#' of url on is
// dropped, as the JS-SDK signs the page URL without its fragment.
func JSSDKSignature(ticket, nonceStr string, timestamp int64, url string) string {
	url, _, _ = strings.Cut(url, "#")
	var b strings.Builder
	b.Grow(len(ticket) + len(nonceStr) + len(url) + 64)
	b.WriteString("jsapi_ticket=")
	b.WriteString(ticket)
	b.WriteString("&noncestr=")
	b.WriteString(nonceStr)
	b.WriteString("&timestamp=")
	b.WriteString(strconv.FormatInt(timestamp, 10))
	b.WriteString("&url=")
	b.WriteString(url)
	sum := sha1.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// sortedSHA1 is the hex SHA1 of three or four values sorted and
// concatenated: a and b and c, and d unless it is omitted (four is false).
func sortedSHA1(a, b, c, d string, four bool) string {
	parts := [4]string{a, b, c, d}
	n := 3
	if four {
		n = 4
	}
	// Insertion sort of three or four values, on the stack.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && parts[j] < parts[j-1]; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
	size := 0
	for _, p := range parts[:n] {
		size += len(p)
	}
	// One contiguous buffer hashes faster than a Write per part; the plain
	// signature and the MsgSignature of a message of a few hundred bytes
	// fit on the stack.
	var small [1024]byte
	buf := small[:0]
	if size > len(small) {
		buf = make([]byte, 0, size)
	}
	for _, p := range parts[:n] {
		buf = append(buf, p...)
	}
	sum := sha1.Sum(buf)
	var out [2 * sha1.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

func equalHex(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(got))) == 1
}
