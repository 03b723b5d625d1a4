// Package mass is the developer API's mass send (群发):
// /cgi-bin/message/mass/sendall, send, preview, get, delete and
// speed/get|set, and the MASSSENDJOBFINISH event pushed to the developer's
// server when a send ends. API sends are the same publish jobs as the
// console's mass sends (publish.Store.SendAPI), run by the same engine, with
// the same monthly quota; the console lists them. See docs/developer-api.md.
package mass

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Limits of the mass API.
const (
	MaxImages       = 20                                       // media_ids of one images send
	MaxTextBytes    = 2048                                     // of a text send's content
	towxnameQuota   = "/cgi-bin/message/mass/preview#towxname" // 100 a day (apitoken.DailyLimits)
	previewSuccess  = "preview success"
	submitSuccess   = "send job submission success"
	statusSuccess   = "send success"
	statusFail      = "send fail"
	copyrightPassed = 1 // CheckState: not judged a reprint, may be sent
)

// Mass serves the mass-send API and pushes MASSSENDJOBFINISH. New makes one.
type Mass struct{ d Deps }

// Deps are what Mass works with.
type Deps struct {
	Publish   *publish.Store
	Engine    *publish.Engine
	TempMedia *tempmedia.Store
	Quotas    *apitoken.Quotas
	Accounts  *account.Store
	Settings  *push.Store
	Push      *push.Engine
	Clock     clock.Clock
	Log       *slog.Logger
	BaseURL   string // Herald's public address, for ArticleUrl
}

// New returns the Mass of d; d.Engine tells it when an API send ends.
func New(d Deps) *Mass {
	m := &Mass{d: d}
	m.d.Engine.OnFinish(m.Finished)
	if m.d.Push != nil && m.d.Push.Durable() {
		m.d.Push.HandleEvent(JobMassFinish, wxapi.JobEndedBuilder(m.d.Publish.Job, m.buildFinish))
		m.d.Engine.OnFinishTx(m.finishedTx)
	}
	return m
}

// Register adds the endpoints to api.
func Register(api *wxapi.API, m *Mass) {
	api.Register("/cgi-bin/message/mass/sendall", wxapi.CapVerified, wxapi.JSON(m.sendAll))
	api.Register("/cgi-bin/message/mass/send", wxapi.CapQRCode, wxapi.JSON(m.send)) // verified Service accounts only
	api.Register("/cgi-bin/message/mass/preview", wxapi.CapVerified, wxapi.JSON(m.preview))
	api.Register("/cgi-bin/message/mass/get", wxapi.CapVerified, wxapi.JSON(m.get))
	api.Register("/cgi-bin/message/mass/delete", wxapi.CapVerified, wxapi.JSON(m.delete))
	api.Register("/cgi-bin/message/mass/speed/get", wxapi.CapVerified, wxapi.Query(m.speedGet))
	api.Register("/cgi-bin/message/mass/speed/set", wxapi.CapVerified, wxapi.JSON(m.speedSet))
	api.Register("/cgi-bin/media/uploadvideo", wxapi.CapBasic, wxapi.JSON(m.uploadVideo))
}

// JobMassFinish is the work-queue kind of a MASSSENDJOBFINISH push.
const JobMassFinish = "push.mass_finish"

// finishedTx claims an API mass send's notice and queues its
// MASSSENDJOBFINISH in the transaction that ends the send, so a node that
// dies right after the end cannot lose it (Finished then finds it told).
func (m *Mass) finishedTx(ctx context.Context, tx *db.Tx, j *publish.Job) error {
	if j.Source != publish.SourceAPI || j.Mode != publish.ModeMass {
		return nil
	}
	ok, err := m.d.Publish.ClaimFinishNoticeTx(ctx, tx, j.ID)
	if err != nil || !ok {
		return err
	}
	_, err = m.d.Push.NotifyTx(ctx, tx, JobMassFinish, j.AccountID, wxapi.JobEnded{JobID: j.ID})
	return err
}

// buildFinish builds the MASSSENDJOBFINISH of a queued push.
func (m *Mass) buildFinish(ctx context.Context, j *publish.Job) (*account.Account, *wxmsg.Message, int64, error) {
	msg, a, _, err := m.FinishEvent(ctx, j)
	return a, msg, 0, err
}

type mediaRef struct {
	MediaID     string `json:"media_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// request is the body of sendall, send and preview.
type request struct {
	Filter *struct {
		IsToAll bool    `json:"is_to_all"`
		TagID   flexInt `json:"tag_id"`
	} `json:"filter"`
	ToUser   json.RawMessage `json:"touser"` // send: a list; preview: one openid
	ToWxName string          `json:"towxname"`
	MsgType  string          `json:"msgtype"`
	MpNews   *mediaRef       `json:"mpnews"`
	Text     *struct {
		Content string `json:"content"`
	} `json:"text"`
	Voice  *mediaRef `json:"voice"`
	Image  *mediaRef `json:"image"` // preview (and older clients) send one image this way
	Images *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"images"`
	MpVideo           *mediaRef `json:"mpvideo"`
	WxCard            *struct{} `json:"wxcard"`
	SendIgnoreReprint flexInt   `json:"send_ignore_reprint"`
	ClientMsgID       string    `json:"clientmsgid"`
}

// flexInt reads a JSON number or a string of digits (SDKs send both).
type flexInt struct {
	V   int64
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	f.V, f.Set = v, true
	return nil
}

// content resolves the request's msgtype and payload into a draft (mpnews)
// or a chat message of the account's own media.
func (m *Mass) content(ctx context.Context, a *account.Account, in *request) (int64, *publish.MassMessage, error) {
	switch in.MsgType {
	case "mpnews":
		if in.MpNews == nil || in.MpNews.MediaID == "" {
			return 0, nil, wxerr.New(41006)
		}
		p, err := m.d.Publish.Draft(ctx, a.ID, in.MpNews.MediaID)
		if err != nil || p.State != publish.StateDraft {
			return 0, nil, wxerr.New(wxerr.CodeInvalidMediaID)
		}
		if len(p.Articles) == 0 {
			return 0, nil, wxerr.New(44003)
		}
		return p.ID, nil, nil
	case "text":
		if in.Text == nil || strings.TrimSpace(in.Text.Content) == "" {
			return 0, nil, wxerr.New(44004)
		}
		if len(in.Text.Content) > MaxTextBytes || !utf8.ValidString(in.Text.Content) {
			return 0, nil, wxerr.New(45002)
		}
		return 0, &publish.MassMessage{Kind: message.KindText, Parts: []message.Body{{Text: in.Text.Content}}}, nil
	case "voice":
		b, err := m.media(ctx, a, in.Voice, publish.AssetVoice)
		if err != nil {
			return 0, nil, err
		}
		return 0, &publish.MassMessage{Kind: message.KindVoice, Parts: []message.Body{b}}, nil
	case "image":
		var ids []string
		switch {
		case in.Images != nil:
			ids = in.Images.MediaIDs
		case in.Image != nil && in.Image.MediaID != "":
			ids = []string{in.Image.MediaID}
		}
		if len(ids) == 0 {
			return 0, nil, wxerr.New(41006)
		}
		if len(ids) > MaxImages {
			return 0, nil, wxerr.Newf(wxerr.CodeInvalidParameter, "media_ids size out of limit")
		}
		msg := &publish.MassMessage{Kind: message.KindImage}
		for _, id := range ids {
			b, err := m.media(ctx, a, &mediaRef{MediaID: id}, publish.AssetImage)
			if err != nil {
				return 0, nil, err
			}
			msg.Parts = append(msg.Parts, b)
		}
		return 0, msg, nil
	case "mpvideo":
		b, err := m.media(ctx, a, in.MpVideo, publish.AssetVideo)
		if err != nil {
			return 0, nil, err
		}
		b.Title, b.Description = in.MpVideo.Title, in.MpVideo.Description
		return 0, &publish.MassMessage{Kind: message.KindVideo, Parts: []message.Body{b}}, nil
	case "wxcard":
		return 0, nil, wxerr.New(48008) // Herald has no cards
	case "":
		return 0, nil, wxerr.New(wxerr.CodeDataFormatError)
	}
	return 0, nil, wxerr.New(40008)
}

// media resolves a media_id of the account: a permanent one of its media
// library ("M…", of the right kind) or a temporary one (media/upload).
func (m *Mass) media(ctx context.Context, a *account.Account, ref *mediaRef, kind string) (message.Body, error) {
	if ref == nil || ref.MediaID == "" {
		return message.Body{}, wxerr.New(41006)
	}
	if strings.HasPrefix(ref.MediaID, "M") {
		if as, err := m.d.Publish.Asset(ctx, a.ID, ref.MediaID); err == nil {
			if as.Kind != kind {
				return message.Body{}, wxerr.New(wxerr.CodeInvalidMediaID)
			}
			return message.Body{MediaKey: as.Key, MediaType: as.ContentType, MediaID: ref.MediaID}, nil
		}
	}
	it, err := m.d.TempMedia.Get(ctx, a.ID, ref.MediaID)
	if err != nil || it.Type != kind {
		return message.Body{}, wxerr.New(wxerr.CodeInvalidMediaID)
	}
	return message.Body{MediaKey: it.Key, MediaType: it.ContentType, MediaID: ref.MediaID}, nil
}

// submit queues the send and answers as WeChat does: a repeated
// clientmsgid answers 45065 (45066 within a minute) with the first send's
// msg_id.
func (m *Mass) submit(ctx context.Context, a *account.Account, in *request, send publish.MassSend) (any, error) {
	if len(in.ClientMsgID) > publish.MaxClientMsgID {
		return nil, wxerr.New(45067)
	}
	pubID, msg, err := m.content(ctx, a, in)
	if err != nil {
		return nil, err
	}
	send.MsgType, send.PublicationID, send.Message, send.ClientMsgID = in.MsgType, pubID, msg, in.ClientMsgID
	j, err := m.d.Publish.SendAPI(ctx, a.ID, send)
	var dup *publish.DuplicateError
	switch {
	case err == nil:
	case errors.As(err, &dup):
		code := 45065
		if dup.TooFast {
			code = 45066
		}
		return map[string]any{"errcode": code, "errmsg": wxerr.Message(code) + " rid: " + wxerr.RID(), "msg_id": dup.MsgID}, nil
	default:
		return nil, sendErr(err)
	}
	m.d.Engine.Wake()
	out := map[string]any{"errcode": 0, "errmsg": submitSuccess, "msg_id": j.APIID}
	if pubID != 0 {
		n, err := m.d.Publish.MsgDataID(ctx, a.ID, pubID)
		if err != nil {
			return nil, err
		}
		out["msg_data_id"] = n
	}
	return out, nil
}

// sendErr maps a domain refusal of a send to its errcode.
func sendErr(err error) error {
	var de *errs.Error
	switch {
	case errors.Is(err, errs.NotFound):
		return wxerr.New(wxerr.CodeInvalidMediaID) // the draft is not the account's
	case errors.As(err, &de) && de.Field == "tag":
		return wxerr.New(45159)
	}
	switch errs.KindOf(err) {
	case errs.KindTooMany:
		return wxerr.New(wxerr.CodeNoMassSendQuota)
	case errs.KindConflict:
		return wxerr.New(wxerr.CodeInvalidMediaID) // no longer a draft
	case errs.KindForbidden:
		return wxerr.New(48004) // mass sending restricted by a penalty
	case errs.KindInvalid:
		return wxerr.New(wxerr.CodeInvalidParameter)
	}
	return err
}

// POST /cgi-bin/message/mass/sendall {"filter":{"is_to_all","tag_id"},"msgtype",...}
func (m *Mass) sendAll(ctx context.Context, a *account.Account, in *request) (any, error) {
	if in.Filter == nil {
		return nil, wxerr.Newf(wxerr.CodeDataFormatError, "filter missing")
	}
	send := publish.MassSend{Target: publish.TargetAll}
	if !in.Filter.IsToAll {
		if !in.Filter.TagID.Set {
			return nil, wxerr.Newf(wxerr.CodeInvalidParameter, "tag_id missing")
		}
		send.Target, send.TagID = publish.TargetTag, in.Filter.TagID.V
	}
	return m.submit(ctx, a, in, send)
}

// POST /cgi-bin/message/mass/send {"touser":[openid, ...],"msgtype",...}
func (m *Mass) send(ctx context.Context, a *account.Account, in *request) (any, error) {
	var openids []string
	if len(in.ToUser) == 0 || json.Unmarshal(in.ToUser, &openids) != nil {
		return nil, wxerr.New(40031)
	}
	if len(openids) < publish.MinOpenIDs || len(openids) > publish.MaxOpenIDs {
		return nil, wxerr.New(40032)
	}
	people, err := m.followers(ctx, a.ID, openids)
	if err != nil {
		return nil, err
	}
	return m.submit(ctx, a, in, publish.MassSend{Target: publish.TargetOpenIDs, PersonIDs: people})
}

// followers resolves openids of the account (present or former followers)
// to people: 40003 for an openid the account never had, including another
// account's.
func (m *Mass) followers(ctx context.Context, accountID int64, openids []string) ([]int64, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, o := range openids {
		if o == "" {
			return nil, wxerr.New(wxerr.CodeInvalidOpenID)
		}
		if !seen[o] {
			seen[o] = true
			uniq = append(uniq, o)
		}
	}
	d := m.d.Publish.DB()
	var people []int64
	for start := 0; start < len(uniq); start += 500 {
		chunk := uniq[start:min(len(uniq), start+500)]
		args := []any{accountID}
		for _, o := range chunk {
			args = append(args, o)
		}
		rows, err := d.Query(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND openid IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		found, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
			var p int64
			return p, r.Scan(&p)
		})
		if err != nil {
			return nil, err
		}
		if len(found) != len(chunk) {
			return nil, wxerr.New(wxerr.CodeInvalidOpenID)
		}
		people = append(people, found...)
	}
	return people, nil
}

// POST /cgi-bin/message/mass/preview {"touser":openid} or {"towxname":id} + msgtype
func (m *Mass) preview(ctx context.Context, a *account.Account, in *request) (any, error) {
	var openid string
	if len(in.ToUser) > 0 && json.Unmarshal(in.ToUser, &openid) != nil {
		return nil, wxerr.New(wxerr.CodeInvalidOpenID)
	}
	var personID int64
	var following, blocked bool
	switch {
	case openid != "":
		err := db.Get(m.d.Publish.DB().QueryRow(ctx, `SELECT person_id, following, blocked FROM follows WHERE account_id = ? AND openid = ?`, a.ID, openid),
			&personID, &following, &blocked)
		if errors.Is(err, errs.NotFound) {
			return nil, wxerr.New(wxerr.CodeInvalidOpenID)
		}
		if err != nil {
			return nil, err
		}
	case in.ToWxName != "":
		err := db.Get(m.d.Publish.DB().QueryRow(ctx, `SELECT f.person_id, f.following, f.blocked FROM people pe JOIN follows f ON f.person_id = pe.id AND f.account_id = ?
			WHERE pe.username = ?`, a.ID, strings.ToLower(strings.TrimPrefix(in.ToWxName, "@"))), &personID, &following, &blocked)
		if errors.Is(err, errs.NotFound) {
			return nil, wxerr.New(40132)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, wxerr.New(41009)
	}
	if !following {
		return nil, wxerr.New(wxerr.CodeRequireSubscribe)
	}
	if blocked {
		return nil, wxerr.New(43019)
	}
	pubID, msg, err := m.content(ctx, a, in)
	if err != nil {
		return nil, err
	}
	if in.ToWxName != "" && openid == "" && m.d.Quotas != nil {
		if ok, err := m.d.Quotas.Take(ctx, a.ID, towxnameQuota); err != nil {
			return nil, err
		} else if !ok {
			return nil, wxerr.New(wxerr.CodeDailyQuota)
		}
	}
	msgID, err := m.d.Publish.PreviewTo(ctx, a.ID, personID, pubID, msg)
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": previewSuccess, "msg_id": msgID}, nil
}

// jobRequest is the body of get and delete: {"msg_id": N} (a number or a
// string), and for delete "article_idx" and "url", an article's address,
// when msg_id is missing.
type jobRequest struct {
	MsgID      flexInt `json:"msg_id"`
	ArticleIdx flexInt `json:"article_idx"`
	URL        string  `json:"url"`
}

// job returns the account's mass send that in names (by url only when
// byURL): 40035 for anything else, including another account's msg_id.
func (m *Mass) job(ctx context.Context, a *account.Account, in *jobRequest, byURL bool) (*publish.Job, error) {
	var j *publish.Job
	var err error
	switch {
	case in.MsgID.Set:
		j, err = m.d.Publish.MassJobByMsgID(ctx, a.ID, in.MsgID.V)
	case byURL && in.URL != "":
		j, err = m.d.Publish.MassJobOfArticle(ctx, a.ID, in.URL)
	default:
		return nil, wxerr.Newf(wxerr.CodeInvalidParameter, "msg_id missing")
	}
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.Newf(wxerr.CodeInvalidParameter, "invalid msg_id")
	}
	return j, err
}

// POST /cgi-bin/message/mass/get {"msg_id"} → {"msg_id","msg_status"}
func (m *Mass) get(ctx context.Context, a *account.Account, in *jobRequest) (any, error) {
	j, err := m.job(ctx, a, in, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"msg_id": j.APIID, "msg_status": j.MassStatus()}, nil
}

// POST /cgi-bin/message/mass/delete {"msg_id" or "url","article_idx"}
func (m *Mass) delete(ctx context.Context, a *account.Account, in *jobRequest) (any, error) {
	j, err := m.job(ctx, a, in, true)
	if err != nil {
		return nil, err
	}
	if idx := in.ArticleIdx.V; idx < 0 || idx > publish.MaxArticles {
		return nil, wxerr.New(40060)
	}
	err = m.d.Publish.DeleteMassSend(ctx, a.ID, j.ID, int(in.ArticleIdx.V))
	switch {
	case errors.Is(err, publish.ErrNoSuchArticle):
		return nil, wxerr.New(40060)
	case errors.Is(err, publish.ErrNotDeletable):
		return nil, wxerr.Newf(wxerr.CodeInvalidParameter, "only sent mpnews and mpvideo messages can be deleted")
	}
	return nil, err
}

// POST /cgi-bin/message/mass/speed/get → {"speed","realspeed"}
func (m *Mass) speedGet(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	s, err := m.d.Publish.MassSpeed(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"speed": s, "realspeed": publish.RealSpeed[s]}, nil
}

// speedRequest is the body of speed/set.
type speedRequest struct {
	Speed flexInt `json:"speed"`
}

// POST /cgi-bin/message/mass/speed/set {"speed":0..4}
func (m *Mass) speedSet(ctx context.Context, a *account.Account, in *speedRequest) (any, error) {
	if !in.Speed.Set {
		return nil, wxerr.New(45084)
	}
	if in.Speed.V < 0 || in.Speed.V > publish.MaxMassSpeed {
		return nil, wxerr.New(45083)
	}
	return nil, m.d.Publish.SetMassSpeed(ctx, a.ID, int(in.Speed.V))
}

// Finished pushes MASSSENDJOBFINISH to the account's server, if it has one,
// when an API mass send ended (publish.Engine.OnFinish hears every job).
// Each send is told once: it is claimed first.
func (m *Mass) Finished(ctx context.Context, j *publish.Job) {
	if j.Source != publish.SourceAPI || j.Mode != publish.ModeMass || m.d.Push == nil {
		return
	}
	ok, err := m.d.Publish.ClaimFinishNotice(ctx, j.ID)
	if err != nil || !ok {
		if err != nil {
			m.d.Log.Error("MASSSENDJOBFINISH", slog.Int64("msg_id", j.APIID), slog.Any("error", err))
		}
		return
	}
	m.push(ctx, j)
}

// Sweep tells the API sends that ended without being told (their process
// died between the end and the push). The server runs it every minute.
func (m *Mass) Sweep(ctx context.Context) error {
	jobs, err := m.d.Publish.UntoldAPISends(ctx, 100)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		m.Finished(ctx, j)
	}
	return nil
}

func (m *Mass) push(ctx context.Context, j *publish.Job) {
	msg, a, _, err := m.FinishEvent(ctx, j)
	if err != nil {
		m.d.Log.Error("MASSSENDJOBFINISH", slog.Int64("msg_id", j.APIID), slog.Any("error", err))
		return
	}
	if msg == nil {
		return
	}
	// Queued when the engine is durable: the push then survives this node.
	if _, err := m.d.Push.Notify(ctx, a, msg, 0); err != nil {
		m.d.Log.Error("MASSSENDJOBFINISH", slog.Int64("msg_id", j.APIID), slog.Any("error", err))
	}
}

// FinishEvent builds the MASSSENDJOBFINISH of an ended send, or nil when
// the account has no server to push it to.
func (m *Mass) FinishEvent(ctx context.Context, j *publish.Job) (*wxmsg.Message, *account.Account, *push.Settings, error) {
	a, err := m.d.Accounts.ByID(ctx, j.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	set, err := m.d.Settings.Get(ctx, a.ID)
	if err != nil || !set.Configured() {
		return nil, nil, nil, err
	}
	status := statusSuccess
	if j.State != publish.JobDone {
		status = statusFail
	}
	// The event comes from the platform, not a follower: Herald names the
	// account itself as the sender.
	// CreateTime is the send's end, so every attempt sends the same event.
	at := j.FinishedAt
	if at.IsZero() {
		at = m.d.Clock.Now()
	}
	msg := wxmsg.NewMassSendJobFinish(a.OriginalID, a.OriginalID, at.Unix(), j.APIID, status, j.TotalCount, j.FilterCount, j.SentCount, j.ErrorCount)
	if j.PublicationID != 0 {
		urls, err := m.d.Publish.ArticleURLs(ctx, j.PublicationID)
		if err != nil {
			return nil, nil, nil, err
		}
		// Herald has no reprint check: every article passes it.
		msg.CopyrightCheckResult = &wxmsg.CopyrightCheckResult{CheckState: copyrightPassed}
		res := &wxmsg.ArticleURLResult{}
		for i, u := range urls {
			res.ResultList = append(res.ResultList, wxmsg.ArticleURLItem{ArticleIdx: i + 1, ArticleURL: strings.TrimSuffix(m.d.BaseURL, "/") + u})
		}
		res.Count = len(res.ResultList)
		msg.ArticleURLResult = res
	}
	return msg, a, set, nil
}
