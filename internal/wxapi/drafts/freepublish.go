package drafts

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi"
)

// POST /cgi-bin/freepublish/submit {"media_id"} → {"publish_id","msg_data_id"}.
// The draft leaves the draft box at once; the engine publishes it (without
// notifying followers or using the mass-send quota) and PUBLISHJOBFINISH
// follows.
func (s *Service) submit(ctx context.Context, a *account.Account, in *mediaIDIn) (any, error) {
	p, err := s.draft(ctx, a, in.MediaID)
	if err != nil {
		return nil, err
	}
	j, err := s.d.Store.Send(ctx, a.ID, 0, p.ID, publish.SendOptions{Mode: publish.ModePublish})
	switch {
	case err == nil:
	case errors.Is(err, errs.NotFound), errs.KindOf(err) == errs.KindConflict:
		return nil, wxerr.New(CodeInvalidMediaID) // published meanwhile
	case errs.KindOf(err) == errs.KindInvalid:
		return nil, wxerr.New(CodePublishCheck)
	default:
		return nil, domain(err)
	}
	if s.d.Engine != nil {
		s.d.Engine.Wake()
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "publish_id": j.APIID, "msg_data_id": p.MsgDataID}, nil
}

// detail is article_detail: the articles' permanent URLs, idx from 1.
type detail struct {
	Count int          `json:"count"`
	Item  []detailItem `json:"item"`
}

type detailItem struct {
	Idx        int    `json:"idx"`
	ArticleURL string `json:"article_url"`
}

// status is a publish job as freepublish/get and PUBLISHJOBFINISH tell it.
type status struct {
	PublishID     int64   `json:"publish_id"`
	PublishStatus int     `json:"publish_status"`
	ArticleID     string  `json:"article_id,omitempty"`
	ArticleDetail *detail `json:"article_detail,omitempty"`
	FailIdx       []int   `json:"fail_idx"`
}

// statusOf works out a publish job's status now.
func (s *Service) statusOf(ctx context.Context, j *publish.Job) (*status, error) {
	st := &status{PublishID: j.APIID, FailIdx: []int{}}
	switch j.State {
	case publish.JobFailed, publish.JobCancelled:
		st.PublishStatus = StatusFailed
		return st, nil
	case publish.JobDone:
	default:
		st.PublishStatus = StatusPublishing
		return st, nil
	}
	p, err := s.d.Store.Publication(ctx, j.AccountID, j.PublicationID)
	if err != nil {
		return nil, err
	}
	switch {
	case p.State == publish.StateDeleted:
		st.PublishStatus = StatusDeleted
	case s.d.Store.AllTakenDown(ctx, p):
		st.PublishStatus = StatusBanned
	}
	st.ArticleID = p.ArticleID()
	st.ArticleDetail = &detail{Item: []detailItem{}}
	for _, a := range p.Articles {
		st.ArticleDetail.Item = append(st.ArticleDetail.Item, detailItem{Idx: a.Idx + 1, ArticleURL: s.url(a.Path())})
	}
	st.ArticleDetail.Count = len(st.ArticleDetail.Item)
	return st, nil
}

// POST /cgi-bin/freepublish/get {"publish_id"}: a publish_id of another
// account, of a mass send or unknown is 40035.
func (s *Service) publishGet(r *http.Request, a *account.Account) (any, error) {
	var in struct {
		PublishID flex `json:"publish_id"`
	}
	if err := decode(r, &in); err != nil {
		return nil, wxerr.New(CodeInvalidParameter)
	}
	j, err := s.d.Store.JobByAPIID(r.Context(), a.ID, int64(in.PublishID))
	if errors.Is(err, errs.NotFound) || err == nil && j.Mode != publish.ModePublish {
		return nil, wxerr.New(CodeInvalidParameter)
	}
	if err != nil {
		return nil, err
	}
	return s.statusOf(r.Context(), j)
}

// published returns a published publication of the account by article_id:
// 53600 otherwise.
func (s *Service) published(ctx context.Context, a *account.Account, articleID string) (*publish.Publication, error) {
	p, err := s.d.Store.Published(ctx, a.ID, strings.TrimSpace(articleID))
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(CodeInvalidArticleID)
	}
	return p, err
}

type publishDeleteIn struct {
	ArticleID string `json:"article_id"`
	Index     flex   `json:"index"`
}

// POST /cgi-bin/freepublish/delete {"article_id","index"}: index counts
// from 1; 0 or none deletes every article.
func (s *Service) publishDelete(ctx context.Context, a *account.Account, in *publishDeleteIn) (any, error) {
	p, err := s.published(ctx, a, in.ArticleID)
	if err != nil {
		return nil, err
	}
	if p.State == publish.StateDeleted {
		return nil, wxerr.New(CodeInvalidArticleID)
	}
	if in.Index < 0 || int(in.Index) > len(p.Articles) {
		return nil, wxerr.New(CodeInvalidIndex)
	}
	if in.Index > 0 && p.Articles[in.Index-1].Deleted {
		return nil, wxerr.New(CodeInvalidIndex) // already deleted
	}
	err = s.d.Store.DeletePublishedArticle(ctx, a.ID, p.ID, int(in.Index))
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, errs.NotFound):
		return nil, wxerr.New(CodeInvalidArticleID)
	case errs.KindOf(err) == errs.KindInvalid:
		return nil, wxerr.New(CodeInvalidIndex)
	}
	return nil, err
}

type getArticleIn struct {
	ArticleID string `json:"article_id"`
}

// POST /cgi-bin/freepublish/getarticle {"article_id"} → {"news_item":[...]}
func (s *Service) getArticle(ctx context.Context, a *account.Account, in *getArticleIn) (any, error) {
	p, err := s.published(ctx, a, in.ArticleID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"news_item": s.items(p, false, true)}, nil
}

type publishedItem struct {
	ArticleID string `json:"article_id"`
	Content   struct {
		NewsItem   []articleOut `json:"news_item"`
		CreateTime int64        `json:"create_time"`
		UpdateTime int64        `json:"update_time"`
	} `json:"content"`
	UpdateTime int64 `json:"update_time"`
}

// POST /cgi-bin/freepublish/batchget {"offset","count":1..20,"no_content"}:
// every published publication, whether published from the console or the
// API, or mass-sent (they are the same objects), newest first.
func (s *Service) publishBatchGet(r *http.Request, a *account.Account) (any, error) {
	return batchGet(r, a, s.d.Store.PublishedPage, func(p *publish.Publication, noContent bool) publishedItem {
		it := publishedItem{ArticleID: p.ArticleID(), UpdateTime: p.UpdatedAt.Unix()}
		it.Content.NewsItem = s.items(p, noContent, true)
		it.Content.CreateTime, it.Content.UpdateTime = p.PublishedAt.Unix(), p.UpdatedAt.Unix()
		return it
	})
}

// JobPublishFinish is the work-queue kind of a PUBLISHJOBFINISH push.
const JobPublishFinish = "push.publish_finish"

// finishedTx queues PUBLISHJOBFINISH in the transaction that ends a
// publish job (console publishes too: they are the same objects), so a
// node that dies right after the end cannot lose it. The event is built
// and pushed after the commit, by this node or, should it die, another.
func (s *Service) finishedTx(ctx context.Context, tx *db.Tx, j *publish.Job) error {
	if j.Mode != publish.ModePublish {
		return nil
	}
	_, err := s.d.Push.NotifyTx(ctx, tx, JobPublishFinish, j.AccountID, wxapi.JobEnded{JobID: j.ID})
	return err
}

// finished pushes PUBLISHJOBFINISH for a publish job that ended when the
// push engine has no durable queue (then finishedTx stored nothing). The
// push runs in the background: a slow or unreachable server (5 s × 3
// attempts) must not hold up the console's Publish button or the next
// job; Wait waits for pushes under way.
func (s *Service) finished(ctx context.Context, j *publish.Job) {
	if j.Mode != publish.ModePublish || s.d.Push == nil || s.d.Push.Durable() {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.pushFinish(context.WithoutCancel(ctx), j)
	}()
}

// Wait returns when every PUBLISHJOBFINISH push started so far is done
// (tests; the server calls it when shutting down).
func (s *Service) Wait() { s.wg.Wait() }

func (s *Service) pushFinish(ctx context.Context, j *publish.Job) {
	a, msg, pid, err := s.finishEvent(ctx, j)
	if err != nil {
		s.logErr("PUBLISHJOBFINISH", j, err)
		return
	}
	if _, err := s.d.Push.Notify(ctx, a, msg, pid); err != nil {
		s.logErr("PUBLISHJOBFINISH: push", j, err)
	}
}

// finishEvent builds the PUBLISHJOBFINISH of an ended publish job. Its
// CreateTime is the job's end, so every attempt sends the same event.
func (s *Service) finishEvent(ctx context.Context, j *publish.Job) (*account.Account, *wxmsg.Message, int64, error) {
	a, err := s.d.Accounts.ByID(ctx, j.AccountID)
	if err != nil {
		return nil, nil, 0, err
	}
	st, err := s.statusOf(ctx, j)
	if err != nil {
		return nil, nil, 0, err
	}
	info := wxmsg.PublishEventInfo{PublishID: st.PublishID, PublishStatus: st.PublishStatus, ArticleID: st.ArticleID, FailIdx: nil}
	if st.ArticleDetail != nil {
		info.ArticleDetail = &wxmsg.ArticleDetail{}
		for _, it := range st.ArticleDetail.Item {
			info.ArticleDetail.Items = append(info.ArticleDetail.Items, wxmsg.PublishedArticle{Idx: it.Idx, ArticleURL: it.ArticleURL})
		}
	}
	// FromUserName is the openid (with this account) of whoever published:
	// the console's operator, or the account's owner for API publishes.
	from := a.OriginalID
	pid, err := s.d.Store.Operator(ctx, j)
	if err == nil && pid != 0 {
		if oid, err := s.d.Follows.OpenID(ctx, a.ID, pid); err == nil {
			from = oid
		}
	}
	return a, wxmsg.NewPublishJobFinish(a.OriginalID, from, j.FinishedAt.Unix(), info), pid, nil
}
