package wxmsg

// Constructors for the pushes the platform sends. In all of them to is the
// account's original id (gh_...), from the user's openid and createTime unix
// seconds. Other events are built with NewEvent and their fields set
// directly.

// New returns a message with only the common header set.
func New(to, from string, createTime int64, msgType string) *Message {
	return &Message{ToUserName: to, FromUserName: from, CreateTime: createTime, MsgType: msgType}
}

// NewText returns a text message.
func NewText(to, from string, createTime, msgID int64, content string) *Message {
	m := New(to, from, createTime, TypeText)
	m.MsgID, m.Content = msgID, content
	return m
}

// NewImage returns an image message.
func NewImage(to, from string, createTime, msgID int64, picURL, mediaID string) *Message {
	m := New(to, from, createTime, TypeImage)
	m.MsgID, m.PicURL, m.MediaID = msgID, picURL, mediaID
	return m
}

// NewVoice returns a voice message; format is amr or speex.
func NewVoice(to, from string, createTime, msgID int64, mediaID, format string) *Message {
	m := New(to, from, createTime, TypeVoice)
	m.MsgID, m.MediaID, m.Format = msgID, mediaID, format
	return m
}

// NewVideo returns a video message.
func NewVideo(to, from string, createTime, msgID int64, mediaID, thumbMediaID string) *Message {
	m := New(to, from, createTime, TypeVideo)
	m.MsgID, m.MediaID, m.ThumbMediaID = msgID, mediaID, thumbMediaID
	return m
}

// NewShortVideo returns a short-video message.
func NewShortVideo(to, from string, createTime, msgID int64, mediaID, thumbMediaID string) *Message {
	m := NewVideo(to, from, createTime, msgID, mediaID, thumbMediaID)
	m.MsgType = TypeShortVideo
	return m
}

// NewLocation returns a location message at latitude x, longitude y.
func NewLocation(to, from string, createTime, msgID int64, x, y float64, scale int, label string) *Message {
	m := New(to, from, createTime, TypeLocation)
	m.MsgID, m.LocationX, m.LocationY, m.Scale, m.Label = msgID, x, y, scale, label
	return m
}

// NewLink returns a link message.
func NewLink(to, from string, createTime, msgID int64, title, description, url string) *Message {
	m := New(to, from, createTime, TypeLink)
	m.MsgID, m.Title, m.Description, m.URL = msgID, title, description, url
	return m
}

// NewEvent returns an event with no fields beyond Event.
func NewEvent(to, from string, createTime int64, event string) *Message {
	m := New(to, from, createTime, TypeEvent)
	m.Event = event
	return m
}

// NewSubscribe returns a follow event. With a scene (a QR code's scene_id or
// scene_str) EventKey becomes "qrscene_"+scene and Ticket the QR ticket;
// with scene "" it is a plain follow.
func NewSubscribe(to, from string, createTime int64, scene, ticket string) *Message {
	m := NewEvent(to, from, createTime, EventSubscribe)
	if scene != "" {
		m.EventKey, m.Ticket = QRScenePrefix+scene, ticket
	}
	return m
}

// NewScan returns the SCAN event of a follower scanning a parametric QR
// code: EventKey is the scene without prefix.
func NewScan(to, from string, createTime int64, scene, ticket string) *Message {
	m := NewEvent(to, from, createTime, EventScan)
	m.EventKey, m.Ticket = scene, ticket
	return m
}

// NewLocationEvent returns a LOCATION report.
func NewLocationEvent(to, from string, createTime int64, latitude, longitude, precision float64) *Message {
	m := NewEvent(to, from, createTime, EventLocation)
	m.Latitude, m.Longitude, m.Precision = latitude, longitude, precision
	return m
}

// NewClick returns the CLICK event of a menu click button.
func NewClick(to, from string, createTime int64, key string) *Message {
	m := NewEvent(to, from, createTime, EventClick)
	m.EventKey = key
	return m
}

// NewView returns the VIEW event of a menu link button. menuID is the
// personalized menu's id, or "" for the default menu.
func NewView(to, from string, createTime int64, url, menuID string) *Message {
	m := NewEvent(to, from, createTime, EventView)
	m.EventKey, m.MenuID = url, menuID
	return m
}

// NewTemplateSendJobFinish returns the TEMPLATESENDJOBFINISH event of a
// template message. status is "success", "failed:user block" or
// "failed: system failed".
func NewTemplateSendJobFinish(to, from string, createTime, msgID int64, status string) *Message {
	m := NewEvent(to, from, createTime, EventTemplateSendFinish)
	m.JobMsgID, m.Status = msgID, status
	return m
}

// NewMassSendJobFinish returns the MASSSENDJOBFINISH event of a mass send.
// status is "send success", "send fail" or "err(NNNNN)". Set
// CopyrightCheckResult and ArticleURLResult on the result if needed.
func NewMassSendJobFinish(to, from string, createTime, msgID int64, status string, total, filter, sent, errCount int64) *Message {
	m := NewEvent(to, from, createTime, EventMassSendFinish)
	m.JobMsgID, m.Status = msgID, status
	m.TotalCount, m.FilterCount, m.SentCount, m.ErrorCount = total, filter, sent, errCount
	return m
}

// NewPublishJobFinish returns the PUBLISHJOBFINISH event of a publication.
func NewPublishJobFinish(to, from string, createTime int64, info PublishEventInfo) *Message {
	m := NewEvent(to, from, createTime, EventPublishFinish)
	m.PublishEventInfo = &info
	return m
}
