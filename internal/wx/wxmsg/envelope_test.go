package wxmsg

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// The reference's own vector (section 3.4).
const (
	ownKey       = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	ownAppID     = "wx0000000000000001"
	ownToken     = "testtoken"
	ownTimestamp = "1700000000"
	ownNonce     = "n0nce"
	ownEncrypt   = "5XltAAWvdfK97kdYilpWLDKLyF5/ilPKirllq5h8pUJ+L/3sv/rY4ba1oeZ+yMqiQAQAszta0elqTRFDM3hiLrmLsmEgSrwiRs/rAdYCcOcMoiyUUakD9wvN6lmpVx0YqpHuyliESZhnP0acq3/Y1qOg9KL0GnVDg0+hsELXmzFc3THQq76wuHgBz4TUJi6uw6uJzdpzXApFtJ8115fmvrOyUsXj01qb4XApiuwidrpwPIat/tZnoLbmcK/JjSNNU5m10blt+T8zpyM48V+Hh2+cIZktBiKXsocle5cnMGdUB53oTbYCnhLqy9fXduNgUJbv760wo6x74XKXdKeBQUIlEvXLa0ear4GSdjto2AmX5ziIQj/ppqWhRHwlBI5t"
	ownMsgSig    = "9abd29510d95cbf1ef06b18d325a8fcc8f90b1f3"
)

func ownCipher(t *testing.T) *wxcrypt.Cipher {
	t.Helper()
	c, err := wxcrypt.NewCipher(ownKey, ownAppID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The whole push path against the reference vector: the marshalled text
// message, encrypted with the vector's random bytes, gives the vector's
// Encrypt and msg_signature, and the envelope opens back to the message.
func TestPushEnvelopeVector(t *testing.T) {
	c := ownCipher(t)
	plain, err := NewText("gh_emulator", "oUser1", 1700000000, 1, "hi").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.EncryptWithRandom(plain, [16]byte([]byte("RANDOM0123456789")))
	if err != nil {
		t.Fatal(err)
	}
	if enc != ownEncrypt {
		t.Fatalf("Encrypt of the marshalled message differs from the reference:\n%s", enc)
	}
	if sig := wxcrypt.MsgSignature(ownToken, ownTimestamp, ownNonce, enc); sig != ownMsgSig {
		t.Errorf("msg_signature = %s, want %s", sig, ownMsgSig)
	}

	body, err := (&EncryptedPush{ToUserName: "gh_emulator", Encrypt: enc}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<xml><ToUserName><![CDATA[gh_emulator]]></ToUserName><Encrypt><![CDATA[` + ownEncrypt + `]]></Encrypt></xml>`
	if string(body) != want {
		t.Errorf("push envelope =\n%s\nwant\n%s", body, want)
	}
	p, err := ParseEncryptedPush(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Open(c, ownToken, ownTimestamp, ownNonce, ownMsgSig)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != goldenText {
		t.Errorf("opened push = %s", got)
	}
	if _, err := p.Open(c, ownToken, ownTimestamp, "other", ownMsgSig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Open with a wrong nonce: %v, want ErrBadSignature", err)
	}
}

func TestSealPushRoundTrip(t *testing.T) {
	c := ownCipher(t)
	plain, _ := NewClick(gh, openid, now, "K").Marshal()
	p, err := SealPush(c, gh, plain)
	if err != nil {
		t.Fatal(err)
	}
	sig := wxcrypt.MsgSignature(ownToken, "1", "n", p.Encrypt)
	got, err := p.Open(c, ownToken, "1", "n", sig)
	if err != nil || string(got) != string(plain) {
		t.Errorf("Open = %s, %v", got, err)
	}
	other, _ := wxcrypt.NewCipher(ownKey, "wx0000000000000002")
	if _, err := p.Open(other, ownToken, "1", "n", sig); !errors.Is(err, wxcrypt.ErrAppIDMismatch) {
		t.Errorf("Open for another appid: %v, want ErrAppIDMismatch", err)
	}
}

// wechatpy's encrypted-reply vector (tests/test_crypto.py, cited by section
// 3.4 of the reference), in wechatpy's indented layout.
func TestEncryptedReplyWechatpyVector(t *testing.T) {
	const body = `<xml>
<Encrypt><![CDATA[9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3]]></Encrypt>
<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature>
<TimeStamp>1411525903</TimeStamp>
<Nonce><![CDATA[461056294]]></Nonce>
</xml>`
	r, err := ParseEncryptedReply([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.MsgSignature != "407518b7649e86ef23978113f92d27afa9296533" || r.TimeStamp != "1411525903" || r.Nonce != "461056294" || len(r.Encrypt) != 384 {
		t.Errorf("parsed %+v", r)
	}
	c, err := wxcrypt.NewCipher("kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := r.Open(c, "123456")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(plain), "<Content><![CDATA[test]]></Content>") {
		t.Errorf("opened reply = %s", plain)
	}
	if _, err := r.Open(c, "654321"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Open with another token: %v, want ErrBadSignature", err)
	}

	// Our own rendering is the compact form of section 3.5.
	out, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<xml><Encrypt><![CDATA[` + r.Encrypt + `]]></Encrypt><MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature><TimeStamp>1411525903</TimeStamp><Nonce><![CDATA[461056294]]></Nonce></xml>`
	if string(out) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", out, want)
	}
}

func TestSealReplyRoundTrip(t *testing.T) {
	c := ownCipher(t)
	reply := allReplies()["text"]
	plain, err := reply.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// node-webot signs with a millisecond timestamp; nothing may assume
	// seconds.
	env, err := SealReply(c, ownToken, "1700000000123", "1234567", plain)
	if err != nil {
		t.Fatal(err)
	}
	body, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if IsNoReply(body) {
		t.Fatal("an envelope is not a no-reply")
	}
	parsed, err := ParseEncryptedReply(body)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := parsed.Open(c, ownToken)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseReply(opened)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != reply.Content || got.ToUserName != reply.ToUserName {
		t.Errorf("reply after the round trip = %+v", got)
	}

	parsed.Encrypt = parsed.Encrypt[:len(parsed.Encrypt)-4] + "AAA="
	if _, err := parsed.Open(c, ownToken); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Open of an altered envelope: %v, want ErrBadSignature", err)
	}
}

func TestParseEncryptedErrors(t *testing.T) {
	plain, _ := allReplies()["text"].Marshal()
	if _, err := ParseEncryptedReply(plain); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("plaintext reply: %v, want ErrNotEncrypted", err)
	}
	if _, err := ParseEncryptedReply([]byte(`<xml><Encrypt>abc</Encrypt></xml>`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("no MsgSignature: %v, want ErrInvalid", err)
	}
	if _, err := ParseEncryptedReply([]byte(`<xml><Encrypt>abc`)); !errors.Is(err, ErrMalformedXML) {
		t.Errorf("truncated: %v, want ErrMalformedXML", err)
	}
	if _, err := ParseEncryptedPush([]byte(`<xml><ToUserName>gh</ToUserName></xml>`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("push without Encrypt: %v, want ErrInvalid", err)
	}
	if _, err := (&EncryptedPush{ToUserName: gh}).Marshal(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Marshal of an empty push: %v, want ErrInvalid", err)
	}
	if _, err := (&EncryptedReply{}).Marshal(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Marshal of an empty reply: %v, want ErrInvalid", err)
	}
}

// SealPushString writes the body MarshalString writes for its Encrypt,
// whatever the ToUserName (CDATA ends and characters XML does not allow
// included), and the Encrypt opens to the message.
func TestSealPushStringIsMarshalString(t *testing.T) {
	c, err := wxcrypt.NewCipher(ownKey, ownAppID)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"gh_0123456789ab", "a]]>b]]>", "bad\x00\xffutf8 世界", ""} {
		for _, plain := range []string{"<xml><Content><![CDATA[hi]]></Content></xml>", strings.Repeat("長い", 400)} {
			body, enc, err := SealPushString(c, to, plain)
			if err != nil {
				t.Fatal(err)
			}
			want, err := (&EncryptedPush{ToUserName: to, Encrypt: enc}).MarshalString()
			if err != nil || body != want {
				t.Errorf("SealPushString(%q) = %q, MarshalString %q (%v)", to, body, want, err)
			}
			if got, err := c.DecryptAndCheck(enc); err != nil || string(got) != plain {
				t.Errorf("Encrypt opens to %q (%v), want %q", got, err, plain)
			}
		}
	}
}
