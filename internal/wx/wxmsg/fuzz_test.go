package wxmsg_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

var xmlSeeds = []string{
	`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>7</MsgId></xml>`,
	`<xml><ToUserName>o1</ToUserName><FromUserName>gh_1</FromUserName><CreateTime>1</CreateTime><MsgType>news</MsgType><ArticleCount>1</ArticleCount><Articles><item><Title>t</Title><Url>https://e.x/</Url></item></Articles></xml>`,
	`<xml><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey></xml>`,
	`<xml><ToUserName>gh_1</ToUserName><Encrypt>AAAA</Encrypt></xml>`,
	`<xml><Encrypt>AAAA</Encrypt><MsgSignature>ab</MsgSignature><TimeStamp>1</TimeStamp><Nonce>2</Nonce></xml>`,
	`success`, ``, `<xml>`, `<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>`,
}

// The parsers of pushed messages and passive replies take any bytes a
// server or follower sends: no panic, and what they accept re-encodes and
// parses again to the same type.
func FuzzParseMessage(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := wxmsg.ParseMessage(b)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			return // not every parsed value is one Herald would send
		}
		m2, err := wxmsg.ParseMessage(out)
		if err != nil || m2.MsgType != m.MsgType {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
	})
}

func FuzzParseReply(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := wxmsg.ParseReply(b)
		if err != nil || r == nil {
			return // nil: "success" or an empty body, no reply
		}
		out, err := r.Marshal()
		if err != nil {
			return
		}
		if r2, err := wxmsg.ParseReply(out); err != nil || r2.MsgType != r.MsgType {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
	})
}

func FuzzParseEncryptedPush(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = wxmsg.ParseEncryptedPush(b)
	})
}

func FuzzParseEncryptedReply(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = wxmsg.ParseEncryptedReply(b)
	})
}
