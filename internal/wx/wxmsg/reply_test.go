package wxmsg

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func allReplies() map[string]*Reply {
	base := func(t string) *Reply {
		return &Reply{ToUserName: openid, FromUserName: gh, CreateTime: now, MsgType: t}
	}
	rs := map[string]*Reply{}
	r := base(TypeText)
	r.Content = "你好\nsecond line ]]> <tag>"
	rs["text"] = r
	r = base(TypeImage)
	r.Image = &ReplyMedia{MediaID: "img-1"}
	rs["image"] = r
	r = base(TypeVoice)
	r.Voice = &ReplyMedia{MediaID: "voice-1"}
	rs["voice"] = r
	r = base(TypeVideo)
	r.Video = &ReplyVideo{MediaID: "video-1", Title: "T", Description: "D"}
	rs["video"] = r
	r = base(TypeMusic)
	r.Music = &ReplyMusic{Title: "T", Description: "D", MusicURL: "http://m/1.mp3", HQMusicURL: "http://m/1hq.mp3", ThumbMediaID: "thumb-1"}
	rs["music"] = r
	r = base(TypeNews)
	r.ArticleCount = 2
	r.Articles = []ReplyArticle{{"A", "a", "http://p/a.jpg", "http://u/a"}, {"B", "b", "http://p/b.jpg", "http://u/b?x=1&y=2"}}
	rs["news"] = r
	rs["transfer"] = base(TypeTransferCustomerService)
	r = base(TypeTransferCustomerService)
	r.TransInfo = &TransInfo{KfAccount: "test1@test"}
	rs["transfer_to"] = r
	return rs
}

func TestReplyRoundTripEveryType(t *testing.T) {
	for name, r := range allReplies() {
		t.Run(name, func(t *testing.T) {
			b, err := r.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseReply(b)
			if err != nil {
				t.Fatalf("ParseReply(%s): %v", b, err)
			}
			want := *r
			want.XMLName = xml.Name{Local: "xml"}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("round trip changed the reply\n got %+v\nwant %+v\n xml %s", got, &want, b)
			}
		})
	}
}

func TestReplyMarshalShape(t *testing.T) {
	b, err := allReplies()["news"].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<xml><ToUserName><![CDATA[` + openid + `]]></ToUserName><FromUserName><![CDATA[` + gh + `]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>2</ArticleCount><Articles>` +
		`<item><Title><![CDATA[A]]></Title><Description><![CDATA[a]]></Description><PicUrl><![CDATA[http://p/a.jpg]]></PicUrl><Url><![CDATA[http://u/a]]></Url></item>` +
		`<item><Title><![CDATA[B]]></Title><Description><![CDATA[b]]></Description><PicUrl><![CDATA[http://p/b.jpg]]></PicUrl><Url><![CDATA[http://u/b?x=1&y=2]]></Url></item>` +
		`</Articles></xml>`
	if string(b) != want {
		t.Errorf("news reply =\n%s\nwant\n%s", b, want)
	}
}

// Bodies in the shapes the SDKs produce. silenceper marshals with
// encoding/xml (CDATA only on the user names), node-webot/wechat renders an
// EJS template (millisecond CreateTime, optional ThumbMediaId), wechatpy and
// WxJava write CDATA with newlines between elements.
func TestParseReplySDKShapes(t *testing.T) {
	tests := []struct {
		name, body string
		check      func(*Reply) bool
	}{
		{"silenceper text",
			`<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_x]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType>text</MsgType><Content><![CDATA[hi]]></Content></xml>`,
			func(r *Reply) bool {
				return r.MsgType == TypeText && r.Content == "hi" && r.ToUserName == "oUser" && r.CreateTime == 1700000001
			}},
		{"silenceper news",
			`<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_x]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType>news</MsgType><ArticleCount>1</ArticleCount><Articles><item><Title>t</Title><Url>http://u</Url></item></Articles></xml>`,
			func(r *Reply) bool {
				return len(r.Articles) == 1 && r.Articles[0].URL == "http://u" && r.Articles[0].PicURL == ""
			}},
		{"silenceper transfer",
			`<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_x]]></FromUserName><CreateTime>1</CreateTime><MsgType>transfer_customer_service</MsgType><TransInfo><KfAccount>kf1@x</KfAccount></TransInfo></xml>`,
			func(r *Reply) bool { return r.TransInfo != nil && r.TransInfo.KfAccount == "kf1@x" }},
		{"node-webot music without thumb",
			`<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_x]]></FromUserName><CreateTime>1700000000123</CreateTime><MsgType><![CDATA[music]]></MsgType><Music><Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><MusicUrl><![CDATA[http://m]]></MusicUrl><HQMusicUrl><![CDATA[http://hq]]></HQMusicUrl></Music></xml>`,
			func(r *Reply) bool {
				return r.Music != nil && r.Music.HQMusicURL == "http://hq" && r.Music.ThumbMediaID == "" && r.CreateTime == 1700000000123
			}},
		{"wechatpy image, indented",
			"<xml>\n<ToUserName><![CDATA[oUser]]></ToUserName>\n<FromUserName><![CDATA[gh_x]]></FromUserName>\n<CreateTime>1</CreateTime>\n<MsgType><![CDATA[image]]></MsgType>\n<Image>\n<MediaId><![CDATA[m1]]></MediaId>\n</Image>\n</xml>\n",
			func(r *Reply) bool { return r.Image != nil && r.Image.MediaID == "m1" }},
		{"voice", `<xml><MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[v1]]></MediaId></Voice></xml>`,
			func(r *Reply) bool { return r.Voice != nil && r.Voice.MediaID == "v1" }},
		{"video without title", `<xml><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[v1]]></MediaId></Video></xml>`,
			func(r *Reply) bool { return r.Video != nil && r.Video.MediaID == "v1" && r.Video.Title == "" }},
		{"transfer without TransInfo", `<xml><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>`,
			func(r *Reply) bool { return r.MsgType == TypeTransferCustomerService && r.TransInfo == nil }},
	}
	for _, tt := range tests {
		r, err := ParseReply([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.check(r) {
			t.Errorf("%s: parsed as %+v", tt.name, r)
		}
	}
}

func TestParseReplyNoReply(t *testing.T) {
	for _, body := range []string{"", "success", "  success\r\n", "\n"} {
		r, err := ParseReply([]byte(body))
		if r != nil || err != nil {
			t.Errorf("ParseReply(%q) = %+v, %v; want nil, nil", body, r, err)
		}
		if !IsNoReply([]byte(body)) {
			t.Errorf("IsNoReply(%q) = false", body)
		}
	}
	for _, body := range []string{"SUCCESS", "ok", "success!", `{"errcode":0}`} {
		if IsNoReply([]byte(body)) {
			t.Errorf("IsNoReply(%q) = true", body)
		}
		if _, err := ParseReply([]byte(body)); err == nil {
			t.Errorf("ParseReply(%q) accepted a non-XML body", body)
		}
	}
}

func TestParseReplyErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       error
	}{
		{"json", `{"MsgType":"text","Content":"hi"}`, ErrMalformedXML},
		{"truncated", `<xml><MsgType><![CDATA[text]]></MsgType><Content>hi`, ErrMalformedXML},
		{"wrong root", `<reply><MsgType>text</MsgType><Content>hi</Content></reply>`, ErrMalformedXML},
		{"two documents", `<xml><MsgType>text</MsgType><Content>a</Content></xml><xml><MsgType>text</MsgType><Content>b</Content></xml>`, ErrMalformedXML},
		{"trailing success", `<xml><MsgType>text</MsgType><Content>a</Content></xml>success`, ErrMalformedXML},
		{"bad CreateTime", `<xml><CreateTime>now</CreateTime><MsgType>text</MsgType><Content>a</Content></xml>`, ErrMalformedXML},
		{"no MsgType", `<xml><Content>hi</Content></xml>`, ErrUnknownType},
		{"unknown MsgType", `<xml><MsgType>miniprogrampage</MsgType></xml>`, ErrUnknownType},
		{"inbound type", `<xml><MsgType>location</MsgType></xml>`, ErrUnknownType},
		{"encrypted envelope", `<xml><Encrypt><![CDATA[abc]]></Encrypt><MsgSignature><![CDATA[s]]></MsgSignature></xml>`, ErrUnknownType},
		{"empty text", `<xml><MsgType>text</MsgType><Content></Content></xml>`, ErrInvalid},
		{"image without media", `<xml><MsgType>image</MsgType></xml>`, ErrInvalid},
		{"image with empty media", `<xml><MsgType>image</MsgType><Image><MediaId></MediaId></Image></xml>`, ErrInvalid},
		{"voice in Image", `<xml><MsgType>voice</MsgType><Image><MediaId>m</MediaId></Image></xml>`, ErrInvalid},
		{"video without media", `<xml><MsgType>video</MsgType><Video><Title>t</Title></Video></xml>`, ErrInvalid},
		{"music without Music", `<xml><MsgType>music</MsgType></xml>`, ErrInvalid},
		{"news without articles", `<xml><MsgType>news</MsgType><ArticleCount>0</ArticleCount></xml>`, ErrInvalid},
		{"news count mismatch", `<xml><MsgType>news</MsgType><ArticleCount>2</ArticleCount><Articles><item><Title>a</Title></item></Articles></xml>`, ErrInvalid},
		{"news with 9 articles", `<xml><MsgType>news</MsgType><Articles>` + strings.Repeat(`<item><Title>a</Title></item>`, 9) + `</Articles></xml>`, ErrInvalid},
	}
	for _, tt := range tests {
		if r, err := ParseReply([]byte(tt.body)); !errors.Is(err, tt.want) {
			t.Errorf("%s: ParseReply = %+v, %v; want %v", tt.name, r, err, tt.want)
		}
	}
}

func TestReplyValidateFor(t *testing.T) {
	two := allReplies()["news"]
	one := &Reply{MsgType: TypeNews, Articles: two.Articles[:1]}
	text := NewText(gh, openid, now, 1, "hi")
	click := NewClick(gh, openid, now, "K")
	if err := two.ValidateFor(text); !errors.Is(err, ErrInvalid) {
		t.Errorf("2 articles in reply to a text message: %v, want ErrInvalid", err)
	}
	if err := one.ValidateFor(text); err != nil {
		t.Errorf("1 article in reply to a text message: %v", err)
	}
	if err := two.ValidateFor(click); err != nil {
		t.Errorf("2 articles in reply to an event: %v", err)
	}
	eight := &Reply{MsgType: TypeNews, Articles: make([]ReplyArticle, 8)}
	if err := eight.ValidateFor(click); err != nil {
		t.Errorf("8 articles in reply to an event: %v", err)
	}
	bad := &Reply{MsgType: TypeText}
	if err := bad.ValidateFor(click); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateFor skips Validate: %v", err)
	}
	if _, err := bad.Marshal(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Marshal of an invalid reply: %v, want ErrInvalid", err)
	}
}
