package wxcrypt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func newTestCipher(t testing.TB) *Cipher {
	t.Helper()
	c, err := NewCipher(ownVector.key, ownVector.appID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripAllPadLengths(t *testing.T) {
	c := newTestCipher(t)
	// 20 header bytes + 18 appid bytes: message lengths 0..70 cover every pad
	// value from 1 to 32, including a full block of padding at length 26.
	for n := 0; n <= 70; n++ {
		msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatal(err)
		}
		plainLen := 20 + n + len(c.AppID())
		wantLen := (plainLen/32 + 1) * 32
		if len(raw) != wantLen {
			t.Errorf("len %d: ciphertext is %d bytes, want %d (padding to 32 with 1..32 bytes)", n, len(raw), wantLen)
		}
		got, err := c.DecryptAndCheck(enc)
		if err != nil {
			t.Fatalf("len %d: %v", n, err)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("len %d: round trip gave %q", n, got)
		}
	}
}

func TestEncryptUsesFreshRandom(t *testing.T) {
	c := newTestCipher(t)
	a, _ := c.Encrypt([]byte("same"))
	b, _ := c.Encrypt([]byte("same"))
	if a == b {
		t.Error("two encryptions of the same message are identical; the random prefix is not random")
	}
}

func TestEmptyAppIDRoundTrip(t *testing.T) {
	c, err := NewCipher(ownVector.key, "")
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := c.Encrypt([]byte("x"))
	msg, appID, err := c.Decrypt(enc)
	if err != nil || string(msg) != "x" || appID != "" {
		t.Errorf("Decrypt = %q, %q, %v", msg, appID, err)
	}
}

func TestWrongAppID(t *testing.T) {
	sender, err := NewCipher(ownVector.key, "wx00000000000000ff")
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := sender.Encrypt([]byte("<xml/>"))
	receiver := newTestCipher(t)

	msg, appID, err := receiver.Decrypt(enc)
	if err != nil {
		t.Fatalf("Decrypt does not check the appid, it should succeed: %v", err)
	}
	if string(msg) != "<xml/>" || appID != "wx00000000000000ff" {
		t.Errorf("Decrypt = %q, %q", msg, appID)
	}
	_, err = receiver.DecryptAndCheck(enc)
	var mismatch *AppIDMismatchError
	if !errors.Is(err, ErrAppIDMismatch) || !errors.As(err, &mismatch) {
		t.Fatalf("DecryptAndCheck error = %v, want an *AppIDMismatchError", err)
	}
	if mismatch.Want != ownVector.appID || mismatch.Got != "wx00000000000000ff" {
		t.Errorf("mismatch = %+v", mismatch)
	}
	if CheckAppID("a", "a") != nil {
		t.Error("CheckAppID rejects equal appids")
	}
}

// flip returns enc with byte i of the ciphertext XORed with x.
func flip(t *testing.T, enc string, i int, x byte) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(raw)
	}
	raw[i] ^= x
	return base64.StdEncoding.EncodeToString(raw)
}

func TestTamper(t *testing.T) {
	c := newTestCipher(t)
	v := ownVector
	// In CBC, XORing ciphertext byte i XORs plaintext byte i+16 exactly.
	// Plaintext layout: random 0..15, length 16..19, msg, appid, padding.
	appIDAt := 20 + len(v.msg)
	plainLen := appIDAt + len(v.appID)
	pad := 32 - plainLen%32
	t.Run("length field", func(t *testing.T) {
		_, _, err := c.Decrypt(flip(t, v.encrypt, 0, 0x80)) // plaintext byte 16: length's top byte
		if !errors.Is(err, ErrInvalidLength) {
			t.Errorf("err = %v, want ErrInvalidLength", err)
		}
	})
	t.Run("appid", func(t *testing.T) {
		_, err := c.DecryptAndCheck(flip(t, v.encrypt, appIDAt-16, 'w'^'W'))
		var mismatch *AppIDMismatchError
		if !errors.As(err, &mismatch) || mismatch.Got != "Wx0000000000000001" {
			t.Errorf("err = %v, want an appid mismatch naming Wx0000000000000001", err)
		}
	})
	t.Run("pad byte", func(t *testing.T) {
		_, _, err := c.Decrypt(flip(t, v.encrypt, plainLen-16, 1)) // the first pad byte
		if !errors.Is(err, ErrInvalidPadding) {
			t.Errorf("err = %v, want ErrInvalidPadding", err)
		}
	})
	t.Run("last pad byte", func(t *testing.T) {
		_, _, err := c.Decrypt(flip(t, v.encrypt, -17, byte(pad)^40)) // last pad byte becomes 40
		if !errors.Is(err, ErrInvalidPadding) {
			t.Errorf("err = %v, want ErrInvalidPadding", err)
		}
	})
	t.Run("signature", func(t *testing.T) {
		tampered := flip(t, v.encrypt, 100, 1)
		if CheckMsgSignature(v.token, v.timestamp, v.nonce, tampered, v.msgSignature) {
			t.Error("the msg_signature still verifies after the ciphertext changed")
		}
	})
	t.Run("truncated", func(t *testing.T) {
		raw, _ := base64.StdEncoding.DecodeString(v.encrypt)
		_, _, err := c.Decrypt(base64.StdEncoding.EncodeToString(raw[:len(raw)-8]))
		if !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("err = %v, want ErrInvalidCiphertext", err)
		}
	})
	t.Run("base64", func(t *testing.T) {
		_, _, err := c.Decrypt(v.encrypt[:len(v.encrypt)-1] + "*")
		if !errors.Is(err, ErrInvalidBase64) {
			t.Errorf("err = %v, want ErrInvalidBase64", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		_, _, err := c.Decrypt("")
		if !errors.Is(err, ErrInvalidCiphertext) {
			t.Errorf("err = %v, want ErrInvalidCiphertext", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other, err := NewCipher(strings.Repeat("B", 43), v.appID)
		if err != nil {
			t.Fatal(err)
		}
		if msg, err := other.DecryptAndCheck(v.encrypt); err == nil {
			t.Errorf("decrypting with another key succeeded: %q", msg)
		}
	})
}

func TestNewCipherKeyErrors(t *testing.T) {
	for _, key := range []string{
		"",
		strings.Repeat("a", 42),
		strings.Repeat("a", 44),
		strings.Repeat("a", 42) + "!",
		strings.Repeat("a", 42) + "=",
	} {
		if _, err := NewCipher(key, "wx1"); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("NewCipher(%q) error = %v, want ErrInvalidKey", key, err)
		}
	}
	// The reference key ends in 'G', whose two unused low bits are not zero:
	// strict base64 would refuse it, WeChat accepts it.
	if _, err := base64.StdEncoding.Strict().DecodeString(ownVector.key + "="); err == nil {
		t.Fatal("test premise: the reference key should have non-zero trailing bits")
	}
	if _, err := NewCipher(ownVector.key, "wx1"); err != nil {
		t.Errorf("NewCipher refuses a key with non-zero trailing bits: %v", err)
	}
}

func TestGenerateEncodingAESKey(t *testing.T) {
	seen := map[rune]bool{}
	keys := map[string]bool{}
	for range 200 {
		k := GenerateEncodingAESKey()
		if err := ValidateEncodingAESKey(k); err != nil {
			t.Fatalf("generated key %q: %v", k, err)
		}
		if _, err := NewCipher(k, "wx1"); err != nil {
			t.Fatalf("generated key %q: %v", k, err)
		}
		keys[k] = true
		for _, r := range k {
			seen[r] = true
		}
	}
	if len(keys) != 200 {
		t.Errorf("200 generated keys contain only %d distinct values", len(keys))
	}
	if len(seen) != 62 {
		t.Errorf("generated keys use %d distinct characters, want all 62 of [A-Za-z0-9]", len(seen))
	}
}

func TestValidateEncodingAESKey(t *testing.T) {
	if err := ValidateEncodingAESKey(ownVector.key); err != nil {
		t.Errorf("reference key: %v", err)
	}
	for _, k := range []string{strings.Repeat("a", 42), strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "/"} {
		if err := ValidateEncodingAESKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateEncodingAESKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	f.Add(ownVector.encrypt)
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 44))
	f.Add(ownVector.encrypt[:64])
	c, err := NewCipher(ownVector.key, ownVector.appID)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Both as given (mostly rejected as base64) and as base64 of the
		// bytes, so that the fuzzer reaches the block, padding and length
		// checks.
		for _, in := range []string{s, base64.StdEncoding.EncodeToString([]byte(s))} {
			msg, appID, err := c.Decrypt(in)
			if err != nil {
				if msg != nil || appID != "" {
					t.Fatalf("Decrypt returned data with error %v", err)
				}
				continue
			}
			// Whatever decrypts must survive a round trip unchanged.
			re, err := NewCipher(ownVector.key, appID)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := re.Encrypt(msg)
			if err != nil {
				t.Fatal(err)
			}
			msg2, appID2, err := c.Decrypt(enc)
			if err != nil || !bytes.Equal(msg, msg2) || appID != appID2 {
				t.Fatalf("round trip of a decrypted input changed it: %q %q -> %q %q (%v)", msg, appID, msg2, appID2, err)
			}
		}
	})
}

var benchMsg = bytes.Repeat([]byte("<xml>0123456789</xml>"), 1024/21+1)[:1024]

// BenchmarkEnvelope measures what a push costs in crypto: encrypting a 1 KiB
// message (with fresh random bytes) and signing it.
func BenchmarkEnvelope(b *testing.B) {
	c := newTestCipher(b)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		enc, err := c.Encrypt(benchMsg)
		if err != nil {
			b.Fatal(err)
		}
		_ = MsgSignature("testtoken", "1700000000", "n0nce", enc)
	}
}

// BenchmarkOpenEnvelope measures the receiving side: verifying the
// msg_signature and decrypting a 1 KiB message.
func BenchmarkOpenEnvelope(b *testing.B) {
	c := newTestCipher(b)
	enc, _ := c.Encrypt(benchMsg)
	sig := MsgSignature("testtoken", "1700000000", "n0nce", enc)
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		if !CheckMsgSignature("testtoken", "1700000000", "n0nce", enc, sig) {
			b.Fatal("bad signature")
		}
		if _, err := c.DecryptAndCheck(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Signature("testtoken", "1700000000", "n0nce")
	}
}

// One Cipher serves every push of an account from many goroutines; run with
// -race to check that it keeps no per-call state.
func TestCipherConcurrentUse(t *testing.T) {
	c := newTestCipher(t)
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 200 {
				msg := []byte(strings.Repeat("x", g*7+i))
				enc, err := c.Encrypt(msg)
				if err == nil {
					var got []byte
					got, err = c.DecryptAndCheck(enc)
					if err == nil && !bytes.Equal(got, msg) {
						err = errors.New("round trip changed the message")
					}
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzDecodeEncodingAESKey: a key typed in the console decodes to 32
// bytes or is refused.
func FuzzDecodeEncodingAESKey(f *testing.F) {
	f.Add("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := DecodeEncodingAESKey(s)
		if err == nil && len(k) != 32 {
			t.Fatalf("%q decoded to %d bytes", s, len(k))
		}
	})
}

// EncryptString encrypts the string's bytes exactly as Encrypt does the
// slice's: the envelope decrypts to the same message and appid.
func TestEncryptStringRoundTrip(t *testing.T) {
	c := newTestCipher(t)
	for _, msg := range []string{"", "x", "<xml><Content><![CDATA[你好]]></Content></xml>", strings.Repeat("a", 1000)} {
		enc, err := c.EncryptString(msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.DecryptAndCheck(enc)
		if err != nil || string(got) != msg {
			t.Errorf("%q: decrypted %q, %v", msg, got, err)
		}
	}
}
