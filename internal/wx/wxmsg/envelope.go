package wxmsg

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// ErrBadSignature means an envelope's msg_signature does not match its
// content: the Token differs or the envelope was altered.
var ErrBadSignature = errors.New("wxmsg: msg_signature mismatch")

// EncryptedPush is the body of a safe-mode push:
// <xml><ToUserName/><Encrypt/></xml>. Its msg_signature travels in the
// query string, next to timestamp and nonce.
type EncryptedPush struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
}

// SealPush encrypts plain (a marshalled Message) for the account of c and
// returns the safe-mode body. Sign it with wxcrypt.MsgSignature(token,
// timestamp, nonce, p.Encrypt) for the msg_signature query parameter.
func SealPush(c *wxcrypt.Cipher, toUserName string, plain []byte) (*EncryptedPush, error) {
	enc, err := c.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	return &EncryptedPush{ToUserName: toUserName, Encrypt: enc}, nil
}

// SealPushString encrypts plain for the account of c and returns the
// safe-mode body, byte for byte what SealPush and MarshalString give for
// the same random bytes, and its Encrypt value for the msg_signature. The
// body is built on the stack and copied once, and encrypt is a part of
// it: one allocation for both.
func SealPushString(c *wxcrypt.Cipher, toUserName, plain string) (body, encrypt string, err error) {
	var small [1536]byte // the body of a text message or an event
	b := append(small[:0], "<xml>"...)
	b = appendCDATA(b, "ToUserName", toUserName)
	b = append(b, "<Encrypt><![CDATA["...)
	start := len(b)
	if b, err = c.AppendEncryptString(b, plain); err != nil {
		return "", "", err
	}
	end := len(b)
	b = append(b, "]]></Encrypt></xml>"...)
	body = string(b)
	return body, body[start:end], nil
}

// Marshal returns <xml><ToUserName><![CDATA[...]]></ToUserName><Encrypt><![CDATA[...]]></Encrypt></xml>.
func (p *EncryptedPush) Marshal() ([]byte, error) {
	s, err := p.MarshalString()
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// MarshalString is Marshal as a string, without Marshal's copy.
func (p *EncryptedPush) MarshalString() (string, error) {
	if p.Encrypt == "" {
		return "", fmt.Errorf("%w: empty Encrypt", ErrInvalid)
	}
	var w writer
	w.b.Grow(len(p.ToUserName) + len(p.Encrypt) + 96) // the envelope's tags and CDATA markers: one allocation
	w.open("xml")
	w.cdata("ToUserName", p.ToUserName)
	w.cdata("Encrypt", p.Encrypt)
	w.close("xml")
	return w.string()
}

// ParseEncryptedPush parses a safe- or compatible-mode push body and returns
// its ToUserName and Encrypt; other elements are ignored.
func ParseEncryptedPush(body []byte) (*EncryptedPush, error) {
	var p EncryptedPush
	if err := decodeOne(body, &p); err != nil {
		return nil, err
	}
	p.Encrypt = strings.TrimSpace(p.Encrypt)
	if p.Encrypt == "" {
		return nil, fmt.Errorf("%w: push without Encrypt", ErrInvalid)
	}
	return &p, nil
}

// Open verifies msgSignature (from the query string) and decrypts the push
// for the account of c, checking its appid. It is the developer side of
// SealPush, used by tests and the emulator.
func (p *EncryptedPush) Open(c *wxcrypt.Cipher, token, timestamp, nonce, msgSignature string) ([]byte, error) {
	if !wxcrypt.CheckMsgSignature(token, timestamp, nonce, p.Encrypt, msgSignature) {
		return nil, ErrBadSignature
	}
	return c.DecryptAndCheck(p.Encrypt)
}

// EncryptedReply is the body of an encrypted passive reply:
// <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>. The developer
// chooses TimeStamp and Nonce (node-webot sends a millisecond TimeStamp), so
// they are kept as the strings that were signed.
type EncryptedReply struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      string   `xml:"Encrypt"`
	MsgSignature string   `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        string   `xml:"Nonce"`
}

// ErrNotEncrypted is returned by ParseEncryptedReply for a well-formed
// document without an Encrypt element, such as a plaintext reply in
// compatible mode.
var ErrNotEncrypted = errors.New("wxmsg: reply is not an encrypted envelope")

// SealReply encrypts plain (a marshalled Reply) for the account of c and
// signs it with token, timestamp and nonce.
func SealReply(c *wxcrypt.Cipher, token, timestamp, nonce string, plain []byte) (*EncryptedReply, error) {
	enc, err := c.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	return &EncryptedReply{
		Encrypt:      enc,
		MsgSignature: wxcrypt.MsgSignature(token, timestamp, nonce, enc),
		TimeStamp:    timestamp,
		Nonce:        nonce,
	}, nil
}

// Marshal returns the envelope with Encrypt, MsgSignature and Nonce in CDATA
// and TimeStamp bare.
func (r *EncryptedReply) Marshal() ([]byte, error) {
	if r.Encrypt == "" {
		return nil, fmt.Errorf("%w: empty Encrypt", ErrInvalid)
	}
	var w writer
	w.open("xml")
	w.cdata("Encrypt", r.Encrypt)
	w.cdata("MsgSignature", r.MsgSignature)
	w.text("TimeStamp", r.TimeStamp)
	w.cdata("Nonce", r.Nonce)
	w.close("xml")
	return w.bytes()
}

// ParseEncryptedReply parses an encrypted reply body. It returns
// ErrNotEncrypted for a document without Encrypt, and an error wrapping
// ErrInvalid when MsgSignature is missing. Check IsNoReply first: an empty
// body or "success" is a valid no-reply in every mode.
func ParseEncryptedReply(body []byte) (*EncryptedReply, error) {
	var r EncryptedReply
	if err := decodeOne(body, &r); err != nil {
		return nil, err
	}
	r.Encrypt = strings.TrimSpace(r.Encrypt)
	r.MsgSignature = strings.TrimSpace(r.MsgSignature)
	r.TimeStamp = strings.TrimSpace(r.TimeStamp)
	r.Nonce = strings.TrimSpace(r.Nonce)
	if r.Encrypt == "" {
		return nil, ErrNotEncrypted
	}
	if r.MsgSignature == "" {
		return nil, fmt.Errorf("%w: encrypted reply without MsgSignature", ErrInvalid)
	}
	return &r, nil
}

// Open verifies the envelope's MsgSignature with token and decrypts it for
// the account of c, checking the appid. The result is the plaintext reply,
// ready for ParseReply.
func (r *EncryptedReply) Open(c *wxcrypt.Cipher, token string) ([]byte, error) {
	if !wxcrypt.CheckMsgSignature(token, r.TimeStamp, r.Nonce, r.Encrypt, r.MsgSignature) {
		return nil, ErrBadSignature
	}
	return c.DecryptAndCheck(r.Encrypt)
}
