package wxmsg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

const (
	gh     = "gh_0123456789ab"
	openid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	now    = int64(1700000000)
)

// allMessages has one message of every MsgType and Event that Marshal
// supports, with every field the type defines set to a non-zero value.
func allMessages() map[string]*Message {
	ms := map[string]*Message{
		"text":       NewText(gh, openid, now, 1234567890123456, "hello, 世界 <&>"),
		"image":      NewImage(gh, openid, now, 2, "http://mmbiz.example/pic", "media-img"),
		"voice":      NewVoice(gh, openid, now, 3, "media-voice", "amr"),
		"video":      NewVideo(gh, openid, now, 4, "media-video", "thumb-video"),
		"shortvideo": NewShortVideo(gh, openid, now, 5, "media-sv", "thumb-sv"),
		"location":   NewLocation(gh, openid, now, 6, 23.134521, 113.358803, 20, "广州市"),
		"link":       NewLink(gh, openid, now, 7, "Title", "Desc", "http://example.com/a?b=c&d=e"),

		"subscribe":       NewSubscribe(gh, openid, now, "", ""),
		"subscribe_qr":    NewSubscribe(gh, openid, now, "123123", "gQH47joAAAAAAAAAASxodHRwOi8v"),
		"unsubscribe":     NewEvent(gh, openid, now, EventUnsubscribe),
		"SCAN":            NewScan(gh, openid, now, "scene_str", "TICKET"),
		"LOCATION":        NewLocationEvent(gh, openid, now, 23.137466, 113.352425, 119.38504),
		"CLICK":           NewClick(gh, openid, now, "V1001_TODAY_MUSIC"),
		"VIEW":            NewView(gh, openid, now, "http://www.qq.com/", "208396993"),
		"TEMPLATE":        NewTemplateSendJobFinish(gh, openid, now, 200163836, "failed:user block"),
		"MASS":            NewMassSendJobFinish(gh, openid, now, 1000001625, "err(30003)", 10, 9, 8, 1),
		"PUBLISH_success": NewPublishJobFinish(gh, openid, now, PublishEventInfo{PublishID: 2247503051, ArticleID: "b5O2OUs25HBxRceL7hfReg", ArticleDetail: &ArticleDetail{Count: 2, Items: []PublishedArticle{{1, "http://mp.example/s/1"}, {2, "http://mp.example/s/2"}}}}),
		"PUBLISH_fail":    NewPublishJobFinish(gh, openid, now, PublishEventInfo{PublishID: 2247503052, PublishStatus: 2, FailIdx: []int{1, 3}}),
	}
	ms["voice"].Recognition = "腾讯微信团队"
	ms["voice"].MediaID16K = "media-16k"
	ms["text"].MsgDataID, ms["text"].Idx = 2247483649, 1
	ms["text"].BizMsgMenuID = "101"
	ms["MASS"].CopyrightCheckResult = &CopyrightCheckResult{Count: 1, CheckState: 2, ResultList: []CopyrightCheckItem{{
		ArticleIdx: 1, UserDeclareState: 1, AuditState: 2, OriginalArticleURL: "Url_1", OriginalArticleType: 1,
		CanReprint: 1, NeedReplaceContent: 1, NeedShowReprintSource: 1,
	}}}
	ms["MASS"].ArticleURLResult = &ArticleURLResult{Count: 1, ResultList: []ArticleURLItem{{1, "http://mp.example/s/x"}}}

	for _, e := range []string{EventScancodePush, EventScancodeWaitmsg} {
		m := NewEvent(gh, openid, now, e)
		m.EventKey = "rselfmenu_0_1"
		m.ScanCodeInfo = &ScanCodeInfo{ScanType: "qrcode", ScanResult: "http://example.com/x"}
		ms[e] = m
	}
	for _, e := range []string{EventPicSysphoto, EventPicPhotoOrAlbum, EventPicWeixin} {
		m := NewEvent(gh, openid, now, e)
		m.EventKey = "rselfmenu_1_0"
		m.SendPicsInfo = &SendPicsInfo{Count: 2, PicList: []Pic{{"1b5f7c23b5bf75682a53e7b6d163e185"}, {"4a2a2b8f1c0e3b1d1b5f7c23b5bf7568"}}}
		ms[e] = m
	}
	ls := NewEvent(gh, openid, now, EventLocationSelect)
	ls.EventKey = "rselfmenu_2_0"
	ls.SendLocationInfo = &SendLocationInfo{LocationX: 23.5, LocationY: 113.25, Scale: 15, Label: "广州市海珠区客村艺苑路 106号", Poiname: "艺苑"}
	ms[EventLocationSelect] = ls

	vm := NewEvent(gh, openid, now, EventViewMiniprogram)
	vm.EventKey, vm.MenuID = "pages/index/index", "1"
	ms[EventViewMiniprogram] = vm

	pop := NewEvent(gh, openid, now, EventSubscribeMsgPopup)
	pop.SubscribeMsgPopupEvent = []SubscribeMsgItem{
		{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", SubscribeStatusString: "accept", PopupScene: 2},
		{TemplateID: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", SubscribeStatusString: "reject", PopupScene: 2},
	}
	ms[EventSubscribeMsgPopup] = pop
	chg := NewEvent(gh, openid, now, EventSubscribeMsgChange)
	chg.SubscribeMsgChangeEvent = []SubscribeMsgItem{{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", SubscribeStatusString: "reject"}}
	ms[EventSubscribeMsgChange] = chg
	sent := NewEvent(gh, openid, now, EventSubscribeMsgSent)
	sent.SubscribeMsgSentEvent = []SubscribeMsgItem{{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", MsgID: 1700827132819554304, ErrorCode: 0, ErrorStatus: "success"}}
	ms[EventSubscribeMsgSent] = sent

	for _, e := range []string{EventKfCreateSession, EventKfCloseSession} {
		m := NewEvent(gh, openid, now, e)
		m.KfAccount = "test1@test"
		ms[e] = m
	}
	sw := NewEvent(gh, openid, now, EventKfSwitchSession)
	sw.FromKfAccount, sw.ToKfAccount = "test1@test", "test2@test"
	ms[EventKfSwitchSession] = sw

	for _, e := range []string{EventQualificationVerifySuccess, EventNamingVerifySuccess, EventAnnualRenew, EventVerifyExpired} {
		m := NewEvent(gh, openid, now, e)
		m.ExpiredTime = 1442401156
		ms[e] = m
	}
	for _, e := range []string{EventQualificationVerifyFail, EventNamingVerifyFail} {
		m := NewEvent(gh, openid, now, e)
		m.FailTime, m.FailReason = 1442401122, "by time"
		ms[e] = m
	}
	for _, e := range []string{EventUserAuthorizationRevoke, EventUserInfoModified} {
		m := NewEvent(gh, openid, now, e)
		m.OpenID, m.AppID, m.RevokeInfo = openid, "wx0000000000000001", "1"
		ms[e] = m
	}
	return ms
}

func TestMarshalParseRoundTripEveryType(t *testing.T) {
	for name, m := range allMessages() {
		t.Run(name, func(t *testing.T) {
			b, err := m.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseMessage(b)
			if err != nil {
				t.Fatalf("ParseMessage(%s): %v", b, err)
			}
			want := *m
			want.XMLName = xml.Name{Local: "xml"}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("round trip changed the message\n got %+v\nwant %+v\n xml %s", got, &want, b)
			}
			again, err := got.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-marshal differs:\n%s\n%s", again, b)
			}
		})
	}
}

// Every Event constant must be marshallable, so a new constant without a
// Marshal case fails here.
func TestEveryEventConstantIsCovered(t *testing.T) {
	ms := allMessages()
	covered := map[string]bool{}
	for _, m := range ms {
		if m.IsEvent() {
			covered[m.Event] = true
		}
	}
	for _, e := range []string{
		EventSubscribe, EventUnsubscribe, EventScan, EventLocation, EventClick, EventView,
		EventScancodePush, EventScancodeWaitmsg, EventPicSysphoto, EventPicPhotoOrAlbum, EventPicWeixin,
		EventLocationSelect, EventViewMiniprogram, EventTemplateSendFinish, EventMassSendFinish, EventPublishFinish,
		EventSubscribeMsgPopup, EventSubscribeMsgChange, EventSubscribeMsgSent,
		EventKfCreateSession, EventKfCloseSession, EventKfSwitchSession,
		EventQualificationVerifySuccess, EventQualificationVerifyFail, EventNamingVerifySuccess,
		EventNamingVerifyFail, EventAnnualRenew, EventVerifyExpired,
		EventUserAuthorizationRevoke, EventUserInfoModified,
	} {
		if !covered[e] {
			t.Errorf("event %s has no round-trip case", e)
		}
		if _, err := NewEvent(gh, openid, now, e).Marshal(); err != nil && e != EventPublishFinish {
			t.Errorf("NewEvent(%s).Marshal: %v", e, err)
		}
	}
}

// The reference's own crypto vector (section 3.4) encrypts exactly this
// text message; the bytes must match.
const goldenText = `<xml><ToUserName><![CDATA[gh_emulator]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>`

// goldenSubscribe is the plaintext body of section 3.3 with the QR-follow
// fields of section 5 (EventKey qrscene_123123 plus Ticket).
const goldenSubscribe = `<xml><ToUserName><![CDATA[gh_xxx]]></ToUserName><FromUserName><![CDATA[openid]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>`

func TestGoldenText(t *testing.T) {
	b, err := NewText("gh_emulator", "oUser1", 1700000000, 1, "hi").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != goldenText {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, goldenText)
	}
}

func TestGoldenSubscribeWithScene(t *testing.T) {
	m := NewSubscribe("gh_xxx", "openid", 1348831860, "123123", "TICKET")
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != goldenSubscribe {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, goldenSubscribe)
	}
	if scene, ok := m.Scene(); !ok || scene != "123123" {
		t.Errorf("Scene() = %q, %v; want 123123, true", scene, ok)
	}
	// The documentation's example is indented; it must parse to the same
	// event.
	const doc = `<xml>
<ToUserName><![CDATA[gh_xxx]]></ToUserName>
<FromUserName><![CDATA[openid]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe]]></Event>
<EventKey><![CDATA[qrscene_123123]]></EventKey>
<Ticket><![CDATA[TICKET]]></Ticket>
</xml>`
	got, err := ParseMessage([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	m.XMLName = xml.Name{Local: "xml"}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("ParseMessage(doc) = %+v, want %+v", got, m)
	}
}

func TestScene(t *testing.T) {
	tests := []struct {
		m     *Message
		scene string
		ok    bool
	}{
		{NewSubscribe(gh, openid, now, "", ""), "", false},
		{NewSubscribe(gh, openid, now, "abc", "T"), "abc", true},
		{NewScan(gh, openid, now, "42", "T"), "42", true},
		{NewClick(gh, openid, now, "qrscene_1"), "", false},
		{NewText(gh, openid, now, 1, "qrscene_1"), "", false},
	}
	for _, tt := range tests {
		scene, ok := tt.m.Scene()
		if scene != tt.scene || ok != tt.ok {
			t.Errorf("%s/%s Scene() = %q, %v; want %q, %v", tt.m.MsgType, tt.m.Event, scene, ok, tt.scene, tt.ok)
		}
	}
}

func TestDedupeKey(t *testing.T) {
	a := NewText(gh, openid, now, 99, "x")
	b := NewText(gh, openid, now+5, 99, "x") // a retry carries the same MsgId
	if a.DedupeKey() != b.DedupeKey() {
		t.Error("messages with the same MsgId have different keys")
	}
	if a.DedupeKey() == NewText(gh, openid, now, 100, "x").DedupeKey() {
		t.Error("different MsgIds share a key")
	}
	e1 := NewClick(gh, openid, now, "K")
	if e1.DedupeKey() != NewClick(gh, openid, now, "other").DedupeKey() {
		t.Error("events from one user at one CreateTime must share a key")
	}
	if e1.DedupeKey() == NewClick(gh, openid, now+1, "K").DedupeKey() || e1.DedupeKey() == NewClick(gh, "o2", now, "K").DedupeKey() {
		t.Error("events at other times or from other users share a key")
	}
}

func TestMarshalShapes(t *testing.T) {
	ms := allMessages()
	contains := func(name string, m *Message, parts ...string) {
		t.Helper()
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			if !strings.Contains(string(b), p) {
				t.Errorf("%s: %s lacks %s", name, b, p)
			}
		}
	}
	// Numbers bare, text in CDATA, and zero counts still written.
	zero := NewMassSendJobFinish(gh, openid, now, 1, "send success", 5, 5, 5, 0)
	contains("MASS zero", zero, "<MsgID>1</MsgID>", "<Status><![CDATA[send success]]></Status>", "<TotalCount>5</TotalCount>", "<ErrorCount>0</ErrorCount>")
	contains("MASS", ms["MASS"], "<CopyrightCheckResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>",
		"<OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl>", "</ResultList><CheckState>2</CheckState></CopyrightCheckResult>",
		"<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx><ArticleUrl><![CDATA[http://mp.example/s/x]]></ArticleUrl></item></ResultList></ArticleUrlResult>")
	contains("TEMPLATE", ms["TEMPLATE"], "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>")
	contains("PUBLISH", ms["PUBLISH_success"], "<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25HBxRceL7hfReg]]></article_id><article_detail><count>2</count><item><idx>1</idx><article_url><![CDATA[http://mp.example/s/1]]></article_url></item>")
	contains("PUBLISH fail", ms["PUBLISH_fail"], "<publish_status>2</publish_status><fail_idx>1</fail_idx><fail_idx>3</fail_idx></PublishEventInfo>")
	contains("LOCATION", ms["LOCATION"], "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.38504</Precision>")
	contains("location", ms["location"], "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[广州市]]></Label><MsgId>6</MsgId>")
	contains("text", ms["text"], "<MsgId>1234567890123456</MsgId><MsgDataId>2247483649</MsgDataId><Idx>1</Idx><bizmsgmenuid>101</bizmsgmenuid>")
	contains("voice", ms["voice"], "<Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>3</MsgId><MediaId16K><![CDATA[media-16k]]></MediaId16K>")
	contains("plain subscribe", ms["subscribe"], "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>")
	contains("VIEW", ms["VIEW"], "<EventKey><![CDATA[http://www.qq.com/]]></EventKey><MenuId>208396993</MenuId>")
	contains("scancode", ms[EventScancodePush], "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[http://example.com/x]]></ScanResult></ScanCodeInfo>")
	contains("pics", ms[EventPicWeixin], "<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>")
	contains("location_select", ms[EventLocationSelect], "<SendLocationInfo><Location_X><![CDATA[23.5]]></Location_X><Location_Y><![CDATA[113.25]]></Location_Y><Scale><![CDATA[15]]></Scale>")
	contains("popup", ms[EventSubscribeMsgPopup], "<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List><List>")
	contains("sent", ms[EventSubscribeMsgSent], "<List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List>")
	contains("revoke", ms[EventUserAuthorizationRevoke], "<OpenID><![CDATA["+openid+"]]></OpenID><AppID><![CDATA[wx0000000000000001]]></AppID><RevokeInfo><![CDATA[1]]></RevokeInfo>")
	contains("verify", ms[EventAnnualRenew], "<ExpiredTime>1442401156</ExpiredTime>")
	contains("verify fail", ms[EventNamingVerifyFail], "<FailTime>1442401122</FailTime><FailReason><![CDATA[by time]]></FailReason>")
}

func TestMarshalWritesOnlyTheTypesFields(t *testing.T) {
	m := NewText(gh, openid, now, 1, "hi")
	m.Title, m.EventKey, m.JobMsgID, m.Latitude = "stray", "stray", 5, 1.5
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Title", "EventKey", "MsgID", "Latitude"} {
		if strings.Contains(string(b), "<"+bad+">") {
			t.Errorf("text message carries <%s>: %s", bad, b)
		}
	}
	ev := NewClick(gh, openid, now, "K")
	ev.MsgID = 7
	b, _ = ev.Marshal()
	if strings.Contains(string(b), "<MsgId>") {
		t.Errorf("event carries <MsgId>: %s", b)
	}
}

func TestMarshalCompatibleModeEncrypt(t *testing.T) {
	m := NewText(gh, openid, now, 1, "hi")
	m.Encrypt = "c2VjcmV0"
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), "<MsgId>1</MsgId><Encrypt><![CDATA[c2VjcmV0]]></Encrypt></xml>") {
		t.Errorf("Encrypt is not the last element: %s", b)
	}
	p, err := ParseEncryptedPush(b)
	if err != nil || p.Encrypt != "c2VjcmV0" || p.ToUserName != gh {
		t.Errorf("ParseEncryptedPush of a compatible-mode body = %+v, %v", p, err)
	}
}

func TestCDATAEdgeCases(t *testing.T) {
	for _, content := range []string{
		"a]]>b",
		"]]>",
		"]]]]>>",
		"x]]>y]]>z",
		"<b>bold</b> & \"quotes\" 'single'",
		"line1\nline2\ttab",
		"emoji 😀 and 中文",
	} {
		b, err := NewText(gh, openid, now, 1, content).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("%q: %v (%s)", content, err, b)
		}
		if got.Content != content {
			t.Errorf("Content %q came back as %q from %s", content, got.Content, b)
		}
	}
	// Characters XML cannot carry are replaced rather than producing a
	// document no parser accepts.
	b, err := NewText(gh, openid, now, 1, "a\x00b\x1bc\xffd").Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseMessage(b)
	if err != nil {
		t.Fatalf("%v (%s)", err, b)
	}
	if got.Content != "a\uFFFDb\uFFFDc\uFFFDd" {
		t.Errorf("Content = %q", got.Content)
	}
}

// xmlSafe keeps every XML character and replaces each other rune (and each
// byte of invalid UTF-8) with U+FFFD, wherever it stands: at the start,
// after a run of ASCII, or after other non-ASCII text.
func TestXMLSafeReplacesWhatXMLCannotCarry(t *testing.T) {
	tests := map[string]string{
		"":                    "",
		"plain ASCII \t\r\n~": "plain ASCII \t\r\n~",
		"del\x7f":             "del\x7f",
		"\x00start":           "\uFFFDstart",
		"end\x1f":             "end\uFFFD",
		"ascii then 中文":       "ascii then 中文",
		"中文\x01":              "中文\uFFFD",
		"bad \xff utf8":       "bad \uFFFD utf8",
		"\xef\xbf\xbe":        "\uFFFD", // U+FFFE is not an XML character
		"emoji 😀 \x0b":        "emoji 😀 \uFFFD",
		"\ud7ff\ue000\ufffd":  "\ud7ff\ue000\ufffd",
	}
	for in, want := range tests {
		if got := xmlSafe(in); got != want {
			t.Errorf("xmlSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
		want error
	}{
		{"no ToUserName", NewText("", openid, now, 1, "x"), ErrInvalid},
		{"no FromUserName", NewText(gh, "", now, 1, "x"), ErrInvalid},
		{"unknown MsgType", New(gh, openid, now, "miniprogrampage"), ErrUnknownType},
		{"no MsgType", New(gh, openid, now, ""), ErrUnknownType},
		{"event without Event", New(gh, openid, now, TypeEvent), ErrUnknownType},
		{"unknown Event", NewEvent(gh, openid, now, "card_pass_check"), ErrUnknownType},
		{"publish without info", NewEvent(gh, openid, now, EventPublishFinish), ErrInvalid},
		{"NaN", NewLocationEvent(gh, openid, now, math.NaN(), 0, 0), ErrInvalid},
		{"Inf", NewLocation(gh, openid, now, 1, math.Inf(1), 0, 1, ""), ErrInvalid},
	}
	for _, tt := range tests {
		if b, err := tt.m.Marshal(); !errors.Is(err, tt.want) {
			t.Errorf("%s: Marshal = %s, %v; want %v", tt.name, b, err, tt.want)
		}
	}
}

func TestParseMessageErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       error
	}{
		{"empty", "", ErrMalformedXML},
		{"not xml", "hello", ErrMalformedXML},
		{"unclosed", "<xml><MsgType>text</MsgType>", ErrMalformedXML},
		{"wrong root", "<message><MsgType>text</MsgType></message>", ErrMalformedXML},
		{"two roots", "<xml><MsgType>text</MsgType></xml><xml></xml>", ErrMalformedXML},
		{"trailing text", "<xml><MsgType>text</MsgType></xml>junk", ErrMalformedXML},
		{"bad number", "<xml><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>", ErrMalformedXML},
		{"no MsgType", "<xml><Content>hi</Content></xml>", ErrUnknownType},
		{"event without Event", "<xml><MsgType>event</MsgType></xml>", ErrUnknownType},
	}
	for _, tt := range tests {
		if m, err := ParseMessage([]byte(tt.body)); !errors.Is(err, tt.want) {
			t.Errorf("%s: ParseMessage = %+v, %v; want %v", tt.name, m, err, tt.want)
		}
	}
	// A declaration, comments and surrounding white space are fine, and a
	// type this package does not marshal still parses.
	m, err := ParseMessage([]byte("<?xml version=\"1.0\"?>\n<!-- c --><xml><MsgType>miniprogrampage</MsgType><CreateTime> 5 </CreateTime></xml>\n"))
	if err != nil || m.MsgType != "miniprogrampage" || m.CreateTime != 5 {
		t.Errorf("ParseMessage = %+v, %v", m, err)
	}
}

// Shapes of the official examples, indented as the documentation prints
// them: they must parse into the right fields.
func TestParseDocumentationShapes(t *testing.T) {
	mass := `<xml>
<ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>
<FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
<CreateTime>1481013459</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[MASSSENDJOBFINISH]]></Event>
<MsgID>1000001625</MsgID>
<Status><![CDATA[err(30003)]]></Status>
<TotalCount>0</TotalCount>
<FilterCount>0</FilterCount>
<SentCount>0</SentCount>
<ErrorCount>0</ErrorCount>
<CopyrightCheckResult>
<Count>2</Count>
<ResultList>
<item>
<ArticleIdx>1</ArticleIdx>
<UserDeclareState>0</UserDeclareState>
<AuditState>2</AuditState>
<OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl>
<OriginalArticleType>1</OriginalArticleType>
<CanReprint>1</CanReprint>
<NeedReplaceContent>1</NeedReplaceContent>
<NeedShowReprintSource>1</NeedShowReprintSource>
</item>
<item>
<ArticleIdx>2</ArticleIdx>
<UserDeclareState>0</UserDeclareState>
<AuditState>2</AuditState>
<OriginalArticleUrl><![CDATA[Url_2]]></OriginalArticleUrl>
<OriginalArticleType>1</OriginalArticleType>
<CanReprint>1</CanReprint>
<NeedReplaceContent>1</NeedReplaceContent>
<NeedShowReprintSource>1</NeedShowReprintSource>
</item>
</ResultList>
<CheckState>2</CheckState>
</CopyrightCheckResult>
<ArticleUrlResult>
<Count>1</Count>
<ResultList>
<item>
<ArticleIdx>1</ArticleIdx>
<ArticleUrl><![CDATA[Url]]></ArticleUrl>
</item>
</ResultList>
</ArticleUrlResult>
</xml>`
	m, err := ParseMessage([]byte(mass))
	if err != nil {
		t.Fatal(err)
	}
	if m.JobMsgID != 1000001625 || m.MsgID != 0 || m.Status != "err(30003)" || m.CopyrightCheckResult == nil ||
		len(m.CopyrightCheckResult.ResultList) != 2 || m.CopyrightCheckResult.ResultList[1].OriginalArticleURL != "Url_2" ||
		m.CopyrightCheckResult.CheckState != 2 || m.ArticleURLResult == nil || m.ArticleURLResult.ResultList[0].ArticleURL != "Url" {
		t.Errorf("MASSSENDJOBFINISH parsed as %+v", m)
	}

	publish := `<xml>
<ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>
<FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
<CreateTime>1481013459</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[PUBLISHJOBFINISH]]></Event>
<PublishEventInfo>
<publish_id>2247503051</publish_id>
<publish_status>2</publish_status>
<fail_idx>1</fail_idx>
<fail_idx>2</fail_idx>
</PublishEventInfo>
</xml>`
	m, err = ParseMessage([]byte(publish))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.PublishEventInfo; p == nil || p.PublishID != 2247503051 || p.PublishStatus != 2 || !reflect.DeepEqual(p.FailIdx, []int{1, 2}) {
		t.Errorf("PUBLISHJOBFINISH parsed as %+v", m.PublishEventInfo)
	}

	popup := `<xml>
<ToUserName><![CDATA[gh_123456789abc]]></ToUserName>
<FromUserName><![CDATA[otFpruAK8D-E6EfStSYonYSBZ8_4]]></FromUserName>
<CreateTime>1610969440</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[subscribe_msg_popup_event]]></Event>
<SubscribeMsgPopupEvent>
    <List>
        <TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId>
        <SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>
        <PopupScene>2</PopupScene>
    </List>
    <List>
        <TemplateId><![CDATA[9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI]]></TemplateId>
        <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>
        <PopupScene>2</PopupScene>
    </List>
</SubscribeMsgPopupEvent>
</xml>`
	m, err = ParseMessage([]byte(popup))
	if err != nil {
		t.Fatal(err)
	}
	if l := m.SubscribeMsgPopupEvent; len(l) != 2 || l[1].SubscribeStatusString != "reject" || l[0].PopupScene != 2 {
		t.Errorf("subscribe_msg_popup_event parsed as %+v", l)
	}

	sel := `<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[FromUser]]></FromUserName>
<CreateTime>1408091189</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[location_select]]></Event>
<EventKey><![CDATA[6]]></EventKey>
<SendLocationInfo><Location_X><![CDATA[23]]></Location_X>
<Location_Y><![CDATA[113]]></Location_Y>
<Scale><![CDATA[15]]></Scale>
<Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label>
<Poiname><![CDATA[]]></Poiname>
</SendLocationInfo>
</xml>`
	m, err = ParseMessage([]byte(sel))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.SendLocationInfo; s == nil || s.LocationX != 23 || s.LocationY != 113 || s.Scale != 15 || s.Label != " 广州市海珠区客村艺苑路 106号" {
		t.Errorf("location_select parsed as %+v", m.SendLocationInfo)
	}
}
