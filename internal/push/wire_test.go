package push_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// rawListener records every byte its connections read: what the
// developer's server receives, before net/http parses it.
type rawListener struct {
	net.Listener
	mu  sync.Mutex
	got bytes.Buffer
}

func (l *rawListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &rawConn{Conn: c, l: l}, nil
}

func (l *rawListener) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got.Bytes())
}

type rawConn struct {
	net.Conn
	l *rawListener
}

func (c *rawConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	c.l.got.Write(p[:n])
	c.l.mu.Unlock()
	return n, err
}

// A safe-mode push is, byte for byte, the request WeChat sends: the
// request line with its query in WeChat's order, the headers a developer's
// server sees, and the envelope whose Encrypt opens, with the account's
// key, to the message XML, the length, the appid and PKCS#7 padding to 32
// bytes. The expected request is rebuilt here with crypto/aes and
// crypto/sha1 from the random parts the server received (nonce, timestamp,
// the 16 random bytes in the ciphertext), so that no change to how Herald
// builds, encrypts, signs or sends a push can alter what is on the wire.
func TestSafeModePushIsWeChatsRequestByteForByte(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	a, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	raw := &rawListener{Listener: ln}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("success"))
	}))
	srv.Listener = raw
	srv.Start()
	defer srv.Close()

	openid := h.Service.Followers[0].OpenID
	const text = "héllo ]]> <wire> & \"test\""
	const msgID = 24680
	created := time.Now().Unix()
	set := &push.Settings{AccountID: a.ID, URL: srv.URL + "/wx?app=1", Token: token, AESKey: aesKey, Mode: push.Safe, Enabled: true}
	d, _ := app.Push.Deliver(context.Background(), a, set, wxmsg.NewText(a.OriginalID, openid, created, msgID, text), 0, push.KindMessage, 0)
	if !d.OK {
		t.Fatalf("delivery failed: %s", d.Error.English())
	}
	got := raw.bytes()

	// The random parts, as the server received them.
	line, _, _ := bytes.Cut(got, []byte("\r\n"))
	m := regexp.MustCompile(`^POST /wx\?app=1&encrypt_type=aes&msg_signature=[0-9a-f]{40}&nonce=([0-9]+)&openid=[^&]+&signature=[0-9a-f]{40}&timestamp=([0-9]+) HTTP/1\.1$`).FindSubmatch(line)
	if m == nil {
		t.Fatalf("request line %q", line)
	}
	nonce, ts := string(m[1]), string(m[2])
	enc := regexp.MustCompile(`<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]></Encrypt>`).FindSubmatch(got)
	if enc == nil {
		t.Fatalf("no Encrypt in %q", got)
	}
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := base64.StdEncoding.DecodeString(string(enc[1]))
	if err != nil || len(sealed) < 32 || len(sealed)%32 != 0 {
		t.Fatalf("Encrypt of %d bytes (%v): not whole 32-byte blocks", len(sealed), err)
	}
	opened := make([]byte, len(sealed))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(opened, sealed)
	random := opened[:16]

	// The request as WeChat would send it with those random parts.
	plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[héllo ]]]]><![CDATA[> <wire> & \"test\"]]></Content>"+
		"<MsgId>%d</MsgId></xml>", a.OriginalID, openid, created, msgID)
	msg := append(append(binary.BigEndian.AppendUint32(slices.Clone(random), uint32(len(plain))), plain...), a.AppID...)
	pad := 32 - len(msg)%32
	msg = append(msg, bytes.Repeat([]byte{byte(pad)}, pad)...)
	want := make([]byte, len(msg))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(want, msg)
	encrypt := base64.StdEncoding.EncodeToString(want)
	sign := func(parts ...string) string {
		slices.Sort(parts)
		sum := sha1.Sum([]byte(strings.Join(parts, "")))
		return hex.EncodeToString(sum[:])
	}
	body := "<xml><ToUserName><![CDATA[" + a.OriginalID + "]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>"
	query := "app=1&encrypt_type=aes&msg_signature=" + sign(token, ts, nonce, encrypt) + "&nonce=" + nonce +
		"&openid=" + url.QueryEscape(openid) + "&signature=" + sign(token, ts, nonce) + "&timestamp=" + ts
	wantReq := "POST /wx?" + query + " HTTP/1.1\r\n" +
		"Host: " + strings.TrimPrefix(srv.URL, "http://") + "\r\n" +
		"User-Agent: Mozilla/4.0\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"Content-Type: text/xml\r\n" +
		"Accept-Encoding: gzip\r\n" +
		"\r\n" + body
	if string(got) != wantReq {
		t.Errorf("the server received\n%q\nwant\n%q", got, wantReq)
	}
	// And the log keeps what was sent.
	if d.Body != body || d.Query != strings.TrimPrefix(query, "app=1&") || d.Plain != plain {
		t.Errorf("logged body %q, query %q, plain %q\nwant %q, %q, %q", d.Body, d.Query, d.Plain, body, strings.TrimPrefix(query, "app=1&"), plain)
	}
}
