package wxcrypt

import (
	"bytes"
	"strings"
	"testing"
)

// The vectors below are quoted from the protocol reference
// (/work/shared/reference/wechat-api.md, sections 3.2, 3.4 and 18.2) and from
// wechatpy's tests/test_crypto.py, which the reference cites for 3.4.

func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		token, timestamp, nonce, want string
	}{
		{"AAAAA", "1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"},
		{"AAAAA", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"},
		{"testtoken", "1700000000", "n0nce", "ecc9a2d2567679a271ba9f0de27aff31fa7de72e"},
	}
	for _, tt := range tests {
		if got := Signature(tt.token, tt.timestamp, tt.nonce); got != tt.want {
			t.Errorf("Signature(%q, %q, %q) = %s, want %s", tt.token, tt.timestamp, tt.nonce, got, tt.want)
		}
		if !CheckSignature(tt.token, tt.timestamp, tt.nonce, tt.want) {
			t.Errorf("CheckSignature rejects the reference signature %s", tt.want)
		}
		if !CheckSignature(tt.token, tt.timestamp, tt.nonce, strings.ToUpper(tt.want)) {
			t.Errorf("CheckSignature rejects upper-case hex")
		}
		if CheckSignature(tt.token, tt.timestamp, tt.nonce+"1", tt.want) {
			t.Errorf("CheckSignature accepts a signature for another nonce")
		}
	}
}

// ownVector is the reference's own vector (section 3.4).
var ownVector = struct {
	key, appID, random, msg, encrypt, token, timestamp, nonce, msgSignature string
}{
	key:          "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	appID:        "wx0000000000000001",
	random:       "RANDOM0123456789",
	msg:          `<xml><ToUserName><![CDATA[gh_emulator]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>`,
	encrypt:      "5XltAAWvdfK97kdYilpWLDKLyF5/ilPKirllq5h8pUJ+L/3sv/rY4ba1oeZ+yMqiQAQAszta0elqTRFDM3hiLrmLsmEgSrwiRs/rAdYCcOcMoiyUUakD9wvN6lmpVx0YqpHuyliESZhnP0acq3/Y1qOg9KL0GnVDg0+hsELXmzFc3THQq76wuHgBz4TUJi6uw6uJzdpzXApFtJ8115fmvrOyUsXj01qb4XApiuwidrpwPIat/tZnoLbmcK/JjSNNU5m10blt+T8zpyM48V+Hh2+cIZktBiKXsocle5cnMGdUB53oTbYCnhLqy9fXduNgUJbv760wo6x74XKXdKeBQUIlEvXLa0ear4GSdjto2AmX5ziIQj/ppqWhRHwlBI5t",
	token:        "testtoken",
	timestamp:    "1700000000",
	nonce:        "n0nce",
	msgSignature: "9abd29510d95cbf1ef06b18d325a8fcc8f90b1f3",
}

func TestOwnVector(t *testing.T) {
	v := ownVector
	c, err := NewCipher(v.key, v.appID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.EncryptWithRandom([]byte(v.msg), [16]byte([]byte(v.random)))
	if err != nil {
		t.Fatal(err)
	}
	if got != v.encrypt {
		t.Errorf("Encrypt =\n%s\nwant\n%s", got, v.encrypt)
	}
	if sig := MsgSignature(v.token, v.timestamp, v.nonce, v.encrypt); sig != v.msgSignature {
		t.Errorf("MsgSignature = %s, want %s", sig, v.msgSignature)
	}
	if !CheckMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msgSignature) {
		t.Error("CheckMsgSignature rejects the reference msg_signature")
	}
	if CheckMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt+"x", v.msgSignature) {
		t.Error("CheckMsgSignature accepts a signature over another Encrypt")
	}
	msg, appID, err := c.Decrypt(v.encrypt)
	if err != nil {
		t.Fatal(err)
	}
	if string(msg) != v.msg || appID != v.appID {
		t.Errorf("Decrypt = %q, %q; want %q, %q", msg, appID, v.msg, v.appID)
	}
}

// wechatpy tests/test_crypto.py: the same key, appid and token for every case.
const (
	wpToken = "123456"
	wpKey   = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
	wpAppID = "wx49f0ab532d5d035a"
)

func TestWechatpyEncryptVector(t *testing.T) {
	reply := "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n" +
		"<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n" +
		"<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>"
	const wantEncrypt = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
	c, err := NewCipher(wpKey, wpAppID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.EncryptWithRandom([]byte(reply), [16]byte([]byte("1234567890123456")))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 384 || !strings.HasPrefix(got, "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3") {
		t.Errorf("Encrypt has length %d and prefix %.32s; the reference gives 384 and 9s4gMv99m88kKTh/H8IdkOiMg6bisoy3", len(got), got)
	}
	if got != wantEncrypt {
		t.Errorf("Encrypt =\n%s\nwant\n%s", got, wantEncrypt)
	}
	if sig := MsgSignature(wpToken, "1411525903", "461056294", got); sig != "407518b7649e86ef23978113f92d27afa9296533" {
		t.Errorf("MsgSignature = %s, want 407518b7649e86ef23978113f92d27afa9296533", sig)
	}
}

func TestWechatpyDecryptVector(t *testing.T) {
	const encrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
	if !CheckMsgSignature(wpToken, "1411525903", "461056294", encrypt, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d") {
		t.Error("msg_signature of the wechatpy push does not verify")
	}
	c, err := NewCipher(wpKey, wpAppID)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.DecryptAndCheck(encrypt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<Content><![CDATA[test]]></Content>", "<FromUserName><![CDATA[messense]]></FromUserName>"} {
		if !bytes.Contains(msg, []byte(want)) {
			t.Errorf("decrypted message %q lacks %s", msg, want)
		}
	}
}

// The WeCom-style echostr from the same wechatpy file uses the identical
// envelope; it checks the four-part signature and decryption of a short body.
func TestWechatpyEchostrVector(t *testing.T) {
	const echo = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
	if got := MsgSignature(wpToken, "1411443780", "437374425", echo); got != "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96" {
		t.Errorf("MsgSignature = %s, want dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", got)
	}
	c, err := NewCipher(wpKey, wpAppID)
	if err != nil {
		t.Fatal(err)
	}
	msg, appID, err := c.Decrypt(echo)
	if err != nil {
		t.Fatal(err)
	}
	if appID != wpAppID || len(msg) == 0 {
		t.Errorf("Decrypt(echostr) = %q, %q; want a message and appid %s", msg, appID, wpAppID)
	}
}

func TestJSSDKSignatureVector(t *testing.T) {
	const (
		ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
		nonce  = "Wm3WZYTPz0wzccnW"
		url    = "http://mp.weixin.qq.com?params=value"
		want   = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	)
	if got := JSSDKSignature(ticket, nonce, 1414587457, url); got != want {
		t.Errorf("JSSDKSignature = %s, want %s", got, want)
	}
	if got := JSSDKSignature(ticket, nonce, 1414587457, url+"#wechat_redirect"); got != want {
		t.Errorf("JSSDKSignature with a fragment = %s, want %s (the fragment must be dropped)", got, want)
	}
	if got := JSSDKSignature(ticket, nonce, 1414587458, url); got == want {
		t.Error("JSSDKSignature ignores the timestamp")
	}
}
