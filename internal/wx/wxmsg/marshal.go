package wxmsg

import (
	"fmt"
	"strconv"
)

// Marshal returns the compact XML the platform pushes for m: text in CDATA,
// numbers bare, no XML declaration or indentation, the elements of m's
// MsgType (and Event) in the order of the official examples. Fields that the
// type does not define are not written; counts of nested lists are written
// from the lists. Required numeric fields are written even when zero (an
// ErrorCount of 0, a publish_status of 0).
//
// It fails with ErrInvalid when the header is incomplete and with
// ErrUnknownType for a MsgType or Event this package does not define.
func (m *Message) Marshal() ([]byte, error) {
	s, err := m.MarshalString()
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// MarshalString is Marshal as a string, without Marshal's copy: the push
// engine logs the document it sends.
func (m *Message) MarshalString() (string, error) {
	if m.ToUserName == "" || m.FromUserName == "" {
		return "", fmt.Errorf("%w: ToUserName and FromUserName are required", ErrInvalid)
	}
	var w writer
	w.b.Grow(320 + len(m.Content)) // a text message or an event in one allocation, mostly
	w.open("xml")
	w.cdata("ToUserName", m.ToUserName)
	w.cdata("FromUserName", m.FromUserName)
	w.int("CreateTime", m.CreateTime)
	w.cdata("MsgType", m.MsgType)

	switch m.MsgType {
	case TypeEvent:
		if err := m.marshalEvent(&w); err != nil {
			return "", err
		}
	case TypeText:
		w.cdata("Content", m.Content)
	case TypeImage:
		w.cdata("PicUrl", m.PicURL)
		w.cdata("MediaId", m.MediaID)
	case TypeVoice:
		w.cdata("MediaId", m.MediaID)
		w.cdata("Format", m.Format)
		w.cdataIf("Recognition", m.Recognition)
	case TypeVideo, TypeShortVideo:
		w.cdata("MediaId", m.MediaID)
		w.cdata("ThumbMediaId", m.ThumbMediaID)
	case TypeLocation:
		w.float("Location_X", m.LocationX)
		w.float("Location_Y", m.LocationY)
		w.int("Scale", int64(m.Scale))
		w.cdata("Label", m.Label)
	case TypeLink:
		w.cdata("Title", m.Title)
		w.cdata("Description", m.Description)
		w.cdata("Url", m.URL)
	default:
		return "", fmt.Errorf("%w: MsgType %q", ErrUnknownType, m.MsgType)
	}

	if m.MsgType != TypeEvent {
		w.int("MsgId", m.MsgID)
		if m.MsgDataID != 0 {
			w.int("MsgDataId", m.MsgDataID)
			w.int("Idx", int64(m.Idx))
		}
		if m.MsgType == TypeVoice {
			w.cdataIf("MediaId16K", m.MediaID16K)
		}
		if m.MsgType == TypeText {
			w.textIf("bizmsgmenuid", m.BizMsgMenuID)
		}
	}
	w.cdataIf("Encrypt", m.Encrypt)
	w.close("xml")
	return w.string()
}

func (m *Message) marshalEvent(w *writer) error {
	if m.Event == "" {
		return fmt.Errorf("%w: event without Event", ErrUnknownType)
	}
	w.cdata("Event", m.Event)
	switch m.Event {
	case EventSubscribe, EventUnsubscribe:
		// Real pushes carry an empty EventKey on a plain (un)follow.
		w.cdata("EventKey", m.EventKey)
		w.cdataIf("Ticket", m.Ticket)
	case EventScan:
		w.cdata("EventKey", m.EventKey)
		w.cdata("Ticket", m.Ticket)
	case EventLocation:
		w.float("Latitude", m.Latitude)
		w.float("Longitude", m.Longitude)
		w.float("Precision", m.Precision)
	case EventClick:
		w.cdata("EventKey", m.EventKey)
	case EventView, EventViewMiniprogram:
		w.cdata("EventKey", m.EventKey)
		w.textIf("MenuId", m.MenuID)
	case EventScancodePush, EventScancodeWaitmsg, EventPicSysphoto, EventPicPhotoOrAlbum, EventPicWeixin, EventLocationSelect:
		m.marshalMenuEvent(w)
	case EventTemplateSendFinish:
		w.int("MsgID", m.JobMsgID)
		w.cdata("Status", m.Status)
	case EventMassSendFinish:
		m.marshalMassSendFinish(w)
	case EventPublishFinish:
		return m.marshalPublishFinish(w)
	case EventSubscribeMsgPopup, EventSubscribeMsgChange, EventSubscribeMsgSent:
		m.marshalSubscribeMsgEvent(w)
	case EventKfCreateSession, EventKfCloseSession:
		w.cdata("KfAccount", m.KfAccount)
	case EventKfSwitchSession:
		w.cdata("FromKfAccount", m.FromKfAccount)
		w.cdata("ToKfAccount", m.ToKfAccount)
	case EventQualificationVerifySuccess, EventNamingVerifySuccess, EventAnnualRenew, EventVerifyExpired:
		w.int("ExpiredTime", m.ExpiredTime)
	case EventQualificationVerifyFail, EventNamingVerifyFail:
		w.int("FailTime", m.FailTime)
		w.cdata("FailReason", m.FailReason)
	case EventUserAuthorizationRevoke:
		w.cdata("OpenID", m.OpenID)
		w.cdata("AppID", m.AppID)
		w.cdata("RevokeInfo", m.RevokeInfo)
	case EventUserInfoModified:
		w.cdata("OpenID", m.OpenID)
		w.cdata("AppID", m.AppID)
		w.cdataIf("RevokeInfo", m.RevokeInfo)
	default:
		return fmt.Errorf("%w: Event %q", ErrUnknownType, m.Event)
	}
	return nil
}

// marshalMenuEvent writes the fields of the menu buttons that open the
// camera, the album or the location picker.
func (m *Message) marshalMenuEvent(w *writer) {
	w.cdata("EventKey", m.EventKey)
	switch m.Event {
	case EventScancodePush, EventScancodeWaitmsg:
		info := m.ScanCodeInfo
		if info == nil {
			info = &ScanCodeInfo{}
		}
		w.open("ScanCodeInfo")
		w.cdata("ScanType", info.ScanType)
		w.cdata("ScanResult", info.ScanResult)
		w.close("ScanCodeInfo")
	case EventPicSysphoto, EventPicPhotoOrAlbum, EventPicWeixin:
		info := m.SendPicsInfo
		if info == nil {
			info = &SendPicsInfo{}
		}
		w.open("SendPicsInfo")
		w.int("Count", int64(len(info.PicList)))
		w.open("PicList")
		for _, p := range info.PicList {
			w.open("item")
			w.cdata("PicMd5Sum", p.PicMd5Sum)
			w.close("item")
		}
		w.close("PicList")
		w.close("SendPicsInfo")
	case EventLocationSelect:
		info := m.SendLocationInfo
		if info == nil {
			info = &SendLocationInfo{}
		}
		// The official example puts every value here in CDATA, numbers too.
		w.open("SendLocationInfo")
		w.floatCDATA("Location_X", info.LocationX)
		w.floatCDATA("Location_Y", info.LocationY)
		w.cdata("Scale", strconv.Itoa(info.Scale))
		w.cdata("Label", info.Label)
		w.cdata("Poiname", info.Poiname)
		w.close("SendLocationInfo")
	}
}

// marshalMassSendFinish writes MASSSENDJOBFINISH's counts and check results.
func (m *Message) marshalMassSendFinish(w *writer) {
	w.int("MsgID", m.JobMsgID)
	w.cdata("Status", m.Status)
	w.int("TotalCount", m.TotalCount)
	w.int("FilterCount", m.FilterCount)
	w.int("SentCount", m.SentCount)
	w.int("ErrorCount", m.ErrorCount)
	if r := m.CopyrightCheckResult; r != nil {
		w.open("CopyrightCheckResult")
		w.int("Count", int64(len(r.ResultList)))
		w.open("ResultList")
		for _, it := range r.ResultList {
			w.open("item")
			w.int("ArticleIdx", int64(it.ArticleIdx))
			w.int("UserDeclareState", int64(it.UserDeclareState))
			w.int("AuditState", int64(it.AuditState))
			w.cdata("OriginalArticleUrl", it.OriginalArticleURL)
			w.int("OriginalArticleType", int64(it.OriginalArticleType))
			w.int("CanReprint", int64(it.CanReprint))
			w.int("NeedReplaceContent", int64(it.NeedReplaceContent))
			w.int("NeedShowReprintSource", int64(it.NeedShowReprintSource))
			w.close("item")
		}
		w.close("ResultList")
		w.int("CheckState", int64(r.CheckState))
		w.close("CopyrightCheckResult")
	}
	if r := m.ArticleURLResult; r != nil {
		w.open("ArticleUrlResult")
		w.int("Count", int64(len(r.ResultList)))
		w.open("ResultList")
		for _, it := range r.ResultList {
			w.open("item")
			w.int("ArticleIdx", int64(it.ArticleIdx))
			w.cdata("ArticleUrl", it.ArticleURL)
			w.close("item")
		}
		w.close("ResultList")
		w.close("ArticleUrlResult")
	}
}

// marshalPublishFinish writes PUBLISHJOBFINISH's PublishEventInfo.
func (m *Message) marshalPublishFinish(w *writer) error {
	info := m.PublishEventInfo
	if info == nil {
		return fmt.Errorf("%w: PUBLISHJOBFINISH without PublishEventInfo", ErrInvalid)
	}
	w.open("PublishEventInfo")
	w.int("publish_id", info.PublishID)
	w.int("publish_status", int64(info.PublishStatus))
	w.cdataIf("article_id", info.ArticleID)
	if d := info.ArticleDetail; d != nil {
		w.open("article_detail")
		w.int("count", int64(len(d.Items)))
		for _, it := range d.Items {
			w.open("item")
			w.int("idx", int64(it.Idx))
			w.cdata("article_url", it.ArticleURL)
			w.close("item")
		}
		w.close("article_detail")
	}
	for _, i := range info.FailIdx {
		w.int("fail_idx", int64(i))
	}
	w.close("PublishEventInfo")
	return nil
}

// marshalSubscribeMsgEvent writes the list of a subscribe_msg_* event.
func (m *Message) marshalSubscribeMsgEvent(w *writer) {
	switch m.Event {
	case EventSubscribeMsgPopup:
		w.open("SubscribeMsgPopupEvent")
		for _, it := range m.SubscribeMsgPopupEvent {
			w.open("List")
			w.cdata("TemplateId", it.TemplateID)
			w.cdata("SubscribeStatusString", it.SubscribeStatusString)
			w.int("PopupScene", int64(it.PopupScene))
			w.close("List")
		}
		w.close("SubscribeMsgPopupEvent")
	case EventSubscribeMsgChange:
		w.open("SubscribeMsgChangeEvent")
		for _, it := range m.SubscribeMsgChangeEvent {
			w.open("List")
			w.cdata("TemplateId", it.TemplateID)
			w.cdata("SubscribeStatusString", it.SubscribeStatusString)
			w.close("List")
		}
		w.close("SubscribeMsgChangeEvent")
	case EventSubscribeMsgSent:
		w.open("SubscribeMsgSentEvent")
		for _, it := range m.SubscribeMsgSentEvent {
			w.open("List")
			w.cdata("TemplateId", it.TemplateID)
			w.int("MsgID", it.MsgID)
			w.int("ErrorCode", int64(it.ErrorCode))
			w.cdata("ErrorStatus", it.ErrorStatus)
			w.close("List")
		}
		w.close("SubscribeMsgSentEvent")
	}
}
