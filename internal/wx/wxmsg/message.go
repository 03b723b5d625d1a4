// Package wxmsg holds the XML documents of the WeChat Official Account push
// protocol: the messages and events the platform pushes to a developer's
// URL (Message), the passive replies the developer answers with (Reply) and
// the encrypted envelopes of safe mode (EncryptedPush, EncryptedReply).
//
// Element names, CDATA use and numeric formats follow the official examples
// so that silenceper/wechat v2, wechatpy, node-webot/wechat and WxJava parse
// what Marshal produces. See docs/wechat-protocol.md.
package wxmsg

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// MsgType values of inbound messages (user → account) and of events.
const (
	TypeText       = "text"
	TypeImage      = "image"
	TypeVoice      = "voice"
	TypeVideo      = "video"
	TypeShortVideo = "shortvideo"
	TypeLocation   = "location"
	TypeLink       = "link"
	TypeEvent      = "event"
)

// Event values (the Event element of a message with MsgType "event").
const (
	EventSubscribe   = "subscribe"   // follow; EventKey "qrscene_<scene>" and Ticket when from a QR code
	EventUnsubscribe = "unsubscribe" // unfollow
	EventScan        = "SCAN"        // a follower scanned a parametric QR code; EventKey is the bare scene
	EventLocation    = "LOCATION"    // location report on session entry
	EventClick       = "CLICK"       // menu click button
	EventView        = "VIEW"        // menu link button; EventKey is the URL

	EventScancodePush       = "scancode_push"
	EventScancodeWaitmsg    = "scancode_waitmsg"
	EventPicSysphoto        = "pic_sysphoto"
	EventPicPhotoOrAlbum    = "pic_photo_or_album"
	EventPicWeixin          = "pic_weixin"
	EventLocationSelect     = "location_select"
	EventViewMiniprogram    = "view_miniprogram"
	EventTemplateSendFinish = "TEMPLATESENDJOBFINISH"
	EventMassSendFinish     = "MASSSENDJOBFINISH"
	EventPublishFinish      = "PUBLISHJOBFINISH"

	EventSubscribeMsgPopup  = "subscribe_msg_popup_event"
	EventSubscribeMsgChange = "subscribe_msg_change_event"
	EventSubscribeMsgSent   = "subscribe_msg_sent_event"

	EventKfCreateSession = "kf_create_session"
	EventKfCloseSession  = "kf_close_session"
	EventKfSwitchSession = "kf_switch_session"

	EventQualificationVerifySuccess = "qualification_verify_success"
	EventQualificationVerifyFail    = "qualification_verify_fail"
	EventNamingVerifySuccess        = "naming_verify_success"
	EventNamingVerifyFail           = "naming_verify_fail"
	EventAnnualRenew                = "annual_renew"
	EventVerifyExpired              = "verify_expired"

	EventUserAuthorizationRevoke = "user_authorization_revoke"
	EventUserInfoModified        = "user_info_modified"
)

// QRScenePrefix starts the EventKey of a subscribe event caused by scanning
// a parametric QR code.
const QRScenePrefix = "qrscene_"

// Message is any message or event the platform pushes, in one struct with
// every field (like silenceper's MixMessage). Fields that a type does not use
// stay zero. The xml tags are the exact element names; note MsgId (messages)
// versus MsgID (job-finish events), kept apart as MsgID and JobMsgID.
//
// Marshal writes the elements of MsgType/Event only, in the order of the
// official examples; ParseMessage reads every element it knows.
type Message struct {
	XMLName xml.Name `xml:"xml"`

	ToUserName   string `xml:"ToUserName"`   // the account's original id, gh_...
	FromUserName string `xml:"FromUserName"` // the user's openid
	CreateTime   int64  `xml:"CreateTime"`   // unix seconds
	MsgType      string `xml:"MsgType"`

	// Inbound messages.
	MsgID        int64   `xml:"MsgId"`        // 64-bit message id, the dedupe key
	MsgDataID    int64   `xml:"MsgDataId"`    // set when the message comes from an article
	Idx          int     `xml:"Idx"`          // 1-based article index, with MsgDataId
	Content      string  `xml:"Content"`      // text
	BizMsgMenuID string  `xml:"bizmsgmenuid"` // text: the msgmenu option the user tapped
	PicURL       string  `xml:"PicUrl"`       // image
	MediaID      string  `xml:"MediaId"`      // image, voice, video, shortvideo
	Format       string  `xml:"Format"`       // voice: amr or speex
	Recognition  string  `xml:"Recognition"`  // voice: speech recognition result, if enabled
	MediaID16K   string  `xml:"MediaId16K"`   // voice: 16 kHz copy
	ThumbMediaID string  `xml:"ThumbMediaId"` // video, shortvideo
	LocationX    float64 `xml:"Location_X"`   // location: latitude
	LocationY    float64 `xml:"Location_Y"`   // location: longitude
	Scale        int     `xml:"Scale"`        // location: map zoom
	Label        string  `xml:"Label"`        // location: place description
	Title        string  `xml:"Title"`        // link
	Description  string  `xml:"Description"`  // link
	URL          string  `xml:"Url"`          // link

	// Events.
	Event     string  `xml:"Event"`
	EventKey  string  `xml:"EventKey"`
	Ticket    string  `xml:"Ticket"`    // subscribe from a QR code, SCAN
	Latitude  float64 `xml:"Latitude"`  // LOCATION
	Longitude float64 `xml:"Longitude"` // LOCATION
	Precision float64 `xml:"Precision"` // LOCATION
	MenuID    string  `xml:"MenuId"`    // VIEW, view_miniprogram: personalized menu id

	ScanCodeInfo     *ScanCodeInfo     `xml:"ScanCodeInfo"`     // scancode_push, scancode_waitmsg
	SendPicsInfo     *SendPicsInfo     `xml:"SendPicsInfo"`     // pic_sysphoto, pic_photo_or_album, pic_weixin
	SendLocationInfo *SendLocationInfo `xml:"SendLocationInfo"` // location_select

	JobMsgID             int64                 `xml:"MsgID"`  // TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH
	Status               string                `xml:"Status"` // TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH
	TotalCount           int64                 `xml:"TotalCount"`
	FilterCount          int64                 `xml:"FilterCount"`
	SentCount            int64                 `xml:"SentCount"`
	ErrorCount           int64                 `xml:"ErrorCount"`
	CopyrightCheckResult *CopyrightCheckResult `xml:"CopyrightCheckResult"`
	ArticleURLResult     *ArticleURLResult     `xml:"ArticleUrlResult"`

	PublishEventInfo *PublishEventInfo `xml:"PublishEventInfo"` // PUBLISHJOBFINISH

	SubscribeMsgPopupEvent  []SubscribeMsgItem `xml:"SubscribeMsgPopupEvent>List"`
	SubscribeMsgChangeEvent []SubscribeMsgItem `xml:"SubscribeMsgChangeEvent>List"`
	SubscribeMsgSentEvent   []SubscribeMsgItem `xml:"SubscribeMsgSentEvent>List"`

	KfAccount     string `xml:"KfAccount"`     // kf_create_session, kf_close_session
	FromKfAccount string `xml:"FromKfAccount"` // kf_switch_session
	ToKfAccount   string `xml:"ToKfAccount"`   // kf_switch_session

	ExpiredTime int64  `xml:"ExpiredTime"` // *_verify_success, annual_renew, verify_expired
	FailTime    int64  `xml:"FailTime"`    // *_verify_fail
	FailReason  string `xml:"FailReason"`  // *_verify_fail

	OpenID     string `xml:"OpenID"`     // user_authorization_revoke, user_info_modified
	AppID      string `xml:"AppID"`      // user_authorization_revoke, user_info_modified
	RevokeInfo string `xml:"RevokeInfo"` // user_authorization_revoke

	// Encrypt carries the ciphertext of the whole message in compatible
	// mode, where the plaintext elements and Encrypt share one document.
	// Marshal writes it last when it is set.
	Encrypt string `xml:"Encrypt"`
}

// ScanCodeInfo is the scan result of scancode_push and scancode_waitmsg.
type ScanCodeInfo struct {
	ScanType   string `xml:"ScanType"` // qrcode or barcode
	ScanResult string `xml:"ScanResult"`
}

// SendPicsInfo lists the images sent through a pic_* menu button.
type SendPicsInfo struct {
	Count   int   `xml:"Count"` // read by ParseMessage; Marshal writes len(PicList)
	PicList []Pic `xml:"PicList>item"`
}

// Pic is one image of SendPicsInfo.
type Pic struct {
	PicMd5Sum string `xml:"PicMd5Sum"`
}

// SendLocationInfo is the place chosen through a location_select button.
type SendLocationInfo struct {
	LocationX float64 `xml:"Location_X"`
	LocationY float64 `xml:"Location_Y"`
	Scale     int     `xml:"Scale"`
	Label     string  `xml:"Label"`
	Poiname   string  `xml:"Poiname"`
}

// CopyrightCheckResult is the originality check of a MASSSENDJOBFINISH.
type CopyrightCheckResult struct {
	Count      int                  `xml:"Count"` // read by ParseMessage; Marshal writes len(ResultList)
	ResultList []CopyrightCheckItem `xml:"ResultList>item"`
	CheckState int                  `xml:"CheckState"`
}

// CopyrightCheckItem is the originality check of one article.
type CopyrightCheckItem struct {
	ArticleIdx            int    `xml:"ArticleIdx"`
	UserDeclareState      int    `xml:"UserDeclareState"`
	AuditState            int    `xml:"AuditState"`
	OriginalArticleURL    string `xml:"OriginalArticleUrl"`
	OriginalArticleType   int    `xml:"OriginalArticleType"`
	CanReprint            int    `xml:"CanReprint"`
	NeedReplaceContent    int    `xml:"NeedReplaceContent"`
	NeedShowReprintSource int    `xml:"NeedShowReprintSource"`
}

// ArticleURLResult lists the article URLs of a MASSSENDJOBFINISH.
type ArticleURLResult struct {
	Count      int              `xml:"Count"` // read by ParseMessage; Marshal writes len(ResultList)
	ResultList []ArticleURLItem `xml:"ResultList>item"`
}

// ArticleURLItem is the URL of one mass-sent article.
type ArticleURLItem struct {
	ArticleIdx int    `xml:"ArticleIdx"`
	ArticleURL string `xml:"ArticleUrl"`
}

// PublishEventInfo is the body of PUBLISHJOBFINISH. Its child elements are
// lower-case in the protocol.
type PublishEventInfo struct {
	PublishID     int64          `xml:"publish_id"`
	PublishStatus int            `xml:"publish_status"` // 0 success, 1 publishing, 2 original-check failure, 3 failed, 4 rejected by review, 5 deleted after success, 6 banned after success
	ArticleID     string         `xml:"article_id"`     // on success
	ArticleDetail *ArticleDetail `xml:"article_detail"` // on success
	FailIdx       []int          `xml:"fail_idx"`       // 1-based indexes of rejected articles (status 2 or 4)
}

// ArticleDetail lists the published articles of a PUBLISHJOBFINISH.
type ArticleDetail struct {
	Count int                `xml:"count"` // read by ParseMessage; Marshal writes len(Items)
	Items []PublishedArticle `xml:"item"`
}

// PublishedArticle is one published article.
type PublishedArticle struct {
	Idx        int    `xml:"idx"`
	ArticleURL string `xml:"article_url"`
}

// SubscribeMsgItem is one List entry of the subscription-notification
// events. Popup events use TemplateID, SubscribeStatusString and PopupScene;
// change events TemplateID and SubscribeStatusString; sent events
// TemplateID, MsgID, ErrorCode and ErrorStatus.
type SubscribeMsgItem struct {
	TemplateID            string `xml:"TemplateId"`
	SubscribeStatusString string `xml:"SubscribeStatusString"` // accept or reject
	PopupScene            int    `xml:"PopupScene"`            // 1 H5 page, 2 article
	MsgID                 int64  `xml:"MsgID"`
	ErrorCode             int    `xml:"ErrorCode"`
	ErrorStatus           string `xml:"ErrorStatus"` // success, or the failure
}

// ParseMessage parses a plaintext push body (or the decrypted content of an
// encrypted one). It checks that the document is one <xml> element with a
// MsgType and, for events, an Event; it accepts types it does not know, so
// that a developer-side caller can still read the common header.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	if err := decodeOne(body, &m); err != nil {
		return nil, err
	}
	m.MsgType, m.Event = strings.TrimSpace(m.MsgType), strings.TrimSpace(m.Event)
	if m.MsgType == "" {
		return nil, fmt.Errorf("%w: no MsgType", ErrUnknownType)
	}
	if m.MsgType == TypeEvent && m.Event == "" {
		return nil, fmt.Errorf("%w: event without Event", ErrUnknownType)
	}
	return &m, nil
}

// IsEvent reports whether m is an event rather than a user message.
func (m *Message) IsEvent() bool { return m.MsgType == TypeEvent }

// Scene returns the QR scene value of a subscribe-by-QR or SCAN event:
// EventKey without the "qrscene_" prefix for subscribe, EventKey as is for
// SCAN. ok is false for other messages and for a plain follow.
func (m *Message) Scene() (scene string, ok bool) {
	if m.MsgType != TypeEvent {
		return "", false
	}
	switch m.Event {
	case EventSubscribe:
		return strings.CutPrefix(m.EventKey, QRScenePrefix)
	case EventScan:
		return m.EventKey, m.EventKey != ""
	}
	return "", false
}

// DedupeKey returns the key WeChat's retry semantics deduplicate on: the
// MsgId for user messages, FromUserName and CreateTime for events (which
// have no MsgId).
func (m *Message) DedupeKey() string {
	if m.MsgType != TypeEvent {
		return "msg:" + strconv.FormatInt(m.MsgID, 10)
	}
	return "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10)
}
