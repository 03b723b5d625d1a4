package wxmsg

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// MsgType values of passive replies (besides text, image, voice and video).
const (
	TypeMusic                   = "music"
	TypeNews                    = "news"
	TypeTransferCustomerService = "transfer_customer_service"
)

// Limits on news replies: one article when replying to a user message,
// up to eight otherwise (events).
const (
	MaxNewsArticles           = 8
	MaxNewsArticlesForMessage = 1
)

// Reply is a passive reply: the XML body a developer returns to a push.
type Reply struct {
	XMLName xml.Name `xml:"xml"`

	ToUserName   string `xml:"ToUserName"`   // the user's openid
	FromUserName string `xml:"FromUserName"` // the account's gh_ id
	CreateTime   int64  `xml:"CreateTime"`   // seconds; node-webot sends milliseconds
	MsgType      string `xml:"MsgType"`

	Content      string         `xml:"Content"`      // text
	Image        *ReplyMedia    `xml:"Image"`        // image
	Voice        *ReplyMedia    `xml:"Voice"`        // voice
	Video        *ReplyVideo    `xml:"Video"`        // video
	Music        *ReplyMusic    `xml:"Music"`        // music
	ArticleCount int            `xml:"ArticleCount"` // news; read by ParseReply, Marshal writes len(Articles)
	Articles     []ReplyArticle `xml:"Articles>item"`
	TransInfo    *TransInfo     `xml:"TransInfo"` // transfer_customer_service, optional
}

// ReplyMedia is the body of an image or voice reply.
type ReplyMedia struct {
	MediaID string `xml:"MediaId"`
}

// ReplyVideo is the body of a video reply.
type ReplyVideo struct {
	MediaID     string `xml:"MediaId"`
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
}

// ReplyMusic is the body of a music reply.
type ReplyMusic struct {
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	MusicURL     string `xml:"MusicUrl"`
	HQMusicURL   string `xml:"HQMusicUrl"`
	ThumbMediaID string `xml:"ThumbMediaId"`
}

// ReplyArticle is one item of a news reply.
type ReplyArticle struct {
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
	PicURL      string `xml:"PicUrl"`
	URL         string `xml:"Url"`
}

// TransInfo names the customer-service agent a transfer_customer_service
// reply hands the conversation to.
type TransInfo struct {
	KfAccount string `xml:"KfAccount"`
}

// IsNoReply reports whether body says "no reply": empty, or "success",
// ignoring surrounding white space. WeChat neither retries nor shows
// anything to the user then.
func IsNoReply(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) == 0 || string(b) == "success"
}

// ParseReply parses the body a developer returned to a plaintext push.
//
// An empty body or "success" means no reply: ParseReply returns a nil Reply
// and a nil error. Otherwise the body must be one <xml> document whose
// MsgType is a passive-reply type with its required parts; the error wraps
// ErrMalformedXML, ErrUnknownType or ErrInvalid. An encrypted envelope (an
// <xml> with Encrypt and no MsgType) is rejected with ErrUnknownType; use
// ParseEncryptedReply for those.
func ParseReply(body []byte) (*Reply, error) {
	if IsNoReply(body) {
		return nil, nil
	}
	var r struct {
		Reply
		Encrypt string `xml:"Encrypt"`
	}
	if err := decodeOne(body, &r); err != nil {
		return nil, err
	}
	if r.MsgType == "" && r.Encrypt != "" {
		return nil, fmt.Errorf("%w: encrypted envelope where a plaintext reply was expected", ErrUnknownType)
	}
	reply := r.Reply
	reply.XMLName = xml.Name{Local: "xml"} // the decoder checks but does not fill an embedded XMLName
	reply.MsgType = strings.TrimSpace(reply.MsgType)
	if err := reply.Validate(); err != nil {
		return nil, err
	}
	return &reply, nil
}

// Validate checks that r is a passive reply WeChat would deliver: a known
// MsgType with its required parts, and a news reply with 1 to 8 articles and
// a matching ArticleCount (when ArticleCount is set).
func (r *Reply) Validate() error {
	switch r.MsgType {
	case TypeText:
		if r.Content == "" {
			return fmt.Errorf("%w: text reply without Content", ErrInvalid)
		}
	case TypeImage:
		if r.Image == nil || r.Image.MediaID == "" {
			return fmt.Errorf("%w: image reply without Image/MediaId", ErrInvalid)
		}
	case TypeVoice:
		if r.Voice == nil || r.Voice.MediaID == "" {
			return fmt.Errorf("%w: voice reply without Voice/MediaId", ErrInvalid)
		}
	case TypeVideo:
		if r.Video == nil || r.Video.MediaID == "" {
			return fmt.Errorf("%w: video reply without Video/MediaId", ErrInvalid)
		}
	case TypeMusic:
		if r.Music == nil {
			return fmt.Errorf("%w: music reply without Music", ErrInvalid)
		}
	case TypeNews:
		n := len(r.Articles)
		if n == 0 || n > MaxNewsArticles {
			return fmt.Errorf("%w: news reply with %d articles, want 1 to %d", ErrInvalid, n, MaxNewsArticles)
		}
		if r.ArticleCount != 0 && r.ArticleCount != n {
			return fmt.Errorf("%w: ArticleCount %d but %d articles", ErrInvalid, r.ArticleCount, n)
		}
	case TypeTransferCustomerService:
	case "":
		return fmt.Errorf("%w: reply without MsgType", ErrUnknownType)
	default:
		return fmt.Errorf("%w: reply MsgType %q", ErrUnknownType, r.MsgType)
	}
	return nil
}

// ValidateFor is Validate plus the rules that depend on the push being
// answered: a news reply to a user message may carry only one article
// (since 2018-10-12); a reply to an event up to eight.
func (r *Reply) ValidateFor(in *Message) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.MsgType == TypeNews && !in.IsEvent() && len(r.Articles) > MaxNewsArticlesForMessage {
		return fmt.Errorf("%w: news reply to a %s message with %d articles, only %d allowed",
			ErrInvalid, in.MsgType, len(r.Articles), MaxNewsArticlesForMessage)
	}
	return nil
}

// Marshal returns r as compact XML in the shape of the official examples.
// It validates r first.
func (r *Reply) Marshal() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var w writer
	w.open("xml")
	w.cdata("ToUserName", r.ToUserName)
	w.cdata("FromUserName", r.FromUserName)
	w.int("CreateTime", r.CreateTime)
	w.cdata("MsgType", r.MsgType)
	switch r.MsgType {
	case TypeText:
		w.cdata("Content", r.Content)
	case TypeImage, TypeVoice:
		media, name := r.Image, "Image"
		if r.MsgType == TypeVoice {
			media, name = r.Voice, "Voice"
		}
		w.open(name)
		w.cdata("MediaId", media.MediaID)
		w.close(name)
	case TypeVideo:
		w.open("Video")
		w.cdata("MediaId", r.Video.MediaID)
		w.cdataIf("Title", r.Video.Title)
		w.cdataIf("Description", r.Video.Description)
		w.close("Video")
	case TypeMusic:
		w.open("Music")
		w.cdata("Title", r.Music.Title)
		w.cdata("Description", r.Music.Description)
		w.cdata("MusicUrl", r.Music.MusicURL)
		w.cdata("HQMusicUrl", r.Music.HQMusicURL)
		w.cdataIf("ThumbMediaId", r.Music.ThumbMediaID)
		w.close("Music")
	case TypeNews:
		w.int("ArticleCount", int64(len(r.Articles)))
		w.open("Articles")
		for _, a := range r.Articles {
			w.open("item")
			w.cdata("Title", a.Title)
			w.cdata("Description", a.Description)
			w.cdata("PicUrl", a.PicURL)
			w.cdata("Url", a.URL)
			w.close("item")
		}
		w.close("Articles")
	case TypeTransferCustomerService:
		if r.TransInfo != nil {
			w.open("TransInfo")
			w.cdata("KfAccount", r.TransInfo.KfAccount)
			w.close("TransInfo")
		}
	}
	w.close("xml")
	return w.bytes()
}
