// Package drafts serves WeChat's drafts and publishing API (draft/* and
// freepublish/*, §14 of the protocol notes) on the console's own drafts and
// publications (internal/publish), registered on the developer API with
// wxapi.API.Register, and pushes PUBLISHJOBFINISH to the developer's server
// when a publish job ends.
//
// Identifiers are the console's: a draft's media_id is "D…", an article_id
// "A…", a publish_id the job's public number (Job.APIID) and msg_data_id
// the publication's (Publication.MsgDataID): small numbers, below 2^53. A draft made here is edited and published in the
// console like any other, and a console draft is read here with its body as
// the rendered, sanitised HTML.
package drafts

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxerr"
	"github.com/heraldoa/herald/internal/wxapi"
)

// WeChat's limits on an article sent through the API (stricter than the
// console's, which allows 64-character titles and 32-character authors).
const (
	MaxTitle      = 32
	MaxAuthor     = 16
	MaxDigest     = 128
	MaxContent    = 20000 // characters; content must be shorter
	MaxContentLen = 1 << 20
	MaxSourceURL  = 1024
	MaxBatch      = 20
)

// Error codes of this family.
const (
	CodeInvalidMediaID   = 40007
	CodeInvalidParameter = 40035
	CodeInvalidIndex     = 40060 // invalid article_idx
	CodeEmptyNews        = 44003
	CodeContentSize      = 45002
	CodeTitleSize        = 45003
	CodeDigestSize       = 45004
	CodeURLSize          = 45005
	CodeArticleCount     = 45008
	CodeAuthorSize       = 45110
	CodeAPIUnauthorized  = 48001
	CodePublishCheck     = 53503 // the draft failed the publish check
	CodeInvalidArticleID = 53600
)

// Publish statuses of freepublish/get and PUBLISHJOBFINISH.
const (
	StatusSuccess      = 0
	StatusPublishing   = 1
	StatusOriginalFail = 2 // Herald has no originality check: never
	StatusFailed       = 3
	StatusReviewFail   = 4 // Herald's content check never blocks: never
	StatusDeleted      = 5
	StatusBanned       = 6
)

// Service serves draft/* and freepublish/* and pushes PUBLISHJOBFINISH.
// NewService makes one.
type Service struct {
	d  Deps
	wg sync.WaitGroup // PUBLISHJOBFINISH pushes under way
}

// Deps are what a Service works with.
type Deps struct {
	Store    *publish.Store
	Engine   *publish.Engine
	Accounts *account.Store
	Follows  *follow.Store
	Push     *push.Engine // nil: no PUBLISHJOBFINISH
	BaseURL  string
	Log      *slog.Logger
}

// NewService returns the Service of d, with d.Engine hooked so that every
// publish job's end is pushed as PUBLISHJOBFINISH.
func NewService(d Deps) *Service {
	s := &Service{d: d}
	if s.d.Engine != nil && s.d.Push != nil {
		s.d.Engine.OnFinish(s.finished)
		if s.d.Push.Durable() {
			s.d.Push.HandleEvent(JobPublishFinish, wxapi.JobEndedBuilder(s.d.Store.Job, s.finishEvent))
			s.d.Engine.OnFinishTx(s.finishedTx)
		}
	}
	return s
}

// Register adds draft/* and freepublish/* to api.
func Register(api *wxapi.API, s *Service) {
	add := func(path string, e wxapi.Endpoint) { api.Register(path, wxapi.CapBasic, e) }
	add("/cgi-bin/draft/add", wxapi.JSONUpTo(maxBody, s.draftAdd))
	add("/cgi-bin/draft/get", wxapi.JSONUpTo(maxBody, s.draftGet))
	add("/cgi-bin/draft/update", wxapi.JSONUpTo(maxBody, s.draftUpdate))
	add("/cgi-bin/draft/delete", wxapi.JSONUpTo(maxBody, s.draftDelete))
	add("/cgi-bin/draft/count", wxapi.Request(s.draftCount))
	add("/cgi-bin/draft/batchget", wxapi.Request(s.draftBatchGet))
	add("/cgi-bin/media/uploadnews", wxapi.JSONUpTo(maxBody, s.uploadNews))
	// Herald's draft box is always on: checking (checkonly=1) and switching
	// it on both answer is_open 1.
	add("/cgi-bin/draft/switch", wxapi.Request(func(r *http.Request, a *account.Account) (any, error) {
		return map[string]any{"errcode": 0, "errmsg": "ok", "is_open": 1}, nil
	}))
	add("/cgi-bin/freepublish/submit", wxapi.JSONUpTo(maxBody, s.submit))
	add("/cgi-bin/freepublish/get", wxapi.Request(s.publishGet))
	add("/cgi-bin/freepublish/delete", wxapi.JSONUpTo(maxBody, s.publishDelete))
	add("/cgi-bin/freepublish/getarticle", wxapi.JSONUpTo(maxBody, s.getArticle))
	add("/cgi-bin/freepublish/batchget", wxapi.Request(s.publishBatchGet))
}

// maxBody is the largest body of this family: articles of up to 1 MiB of
// HTML each.
const maxBody = 4 << 20

// decode reads the JSON body: 44002 when empty, 47001 when not JSON of the
// right shape.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return wxerr.New(wxerr.CodeDataFormatError)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return wxerr.New(wxerr.CodeEmptyPostData)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return wxerr.New(wxerr.CodeDataFormatError)
	}
	return nil
}

// flex is a number that SDKs send as a number, a string of digits or a
// boolean (silenceper sends no_content as true/false, the docs 0/1, and
// publish_id as a number where the docs show a string).
type flex int64

func (f *flex) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	switch s {
	case "", "null", "false":
		*f = 0
		return nil
	case "true":
		*f = 1
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*f = flex(v)
	return nil
}

// domain maps an error of the publish store that the endpoint did not
// expect: a restricted account may not publish (48001); anything else
// invalid is 40035.
func domain(err error) error {
	switch errs.KindOf(err) {
	case errs.KindForbidden:
		return wxerr.New(CodeAPIUnauthorized)
	case errs.KindInvalid:
		return wxerr.New(CodeInvalidParameter)
	}
	return err
}

// absolute turns the root-relative image addresses of sanitised HTML into
// Herald's full addresses, as WeChat answers its mmbiz URLs.
func (s *Service) absolute(h string) string {
	base := strings.TrimSuffix(s.d.BaseURL, "/")
	return strings.NewReplacer(`src="/media/`, `src="`+base+`/media/`, `src="/cgi-bin/media/pic?`, `src="`+base+`/cgi-bin/media/pic?`).Replace(h)
}

// relative undoes absolute on what a developer sends, so that images from
// Herald's own library and media/uploadimg pass the sanitiser.
func (s *Service) relative(h string) string {
	base := strings.TrimSuffix(s.d.BaseURL, "/")
	if base == "" {
		return h
	}
	return strings.NewReplacer(base+`/media/M`, `/media/M`, base+`/cgi-bin/media/pic?`, `/cgi-bin/media/pic?`).Replace(h)
}

func (s *Service) url(path string) string { return strings.TrimSuffix(s.d.BaseURL, "/") + path }

// plainTextHTML turns a newspic's plain text into paragraphs.
func plainTextHTML(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString("<p>" + html.EscapeString(line) + "</p>")
		}
	}
	return b.String()
}

// newsPicText is a newspic's content back as plain text, a line per
// paragraph (its images are in image_info, not here).
func newsPicText(body string) string {
	var lines []string
	for _, chunk := range strings.Split(body, "</p>") {
		if t := publish.PlainText(chunk); t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

// checkPage is the batchget count rule: 1 to 20.
func checkPage(offset, count flex) error {
	if count < 1 || count > MaxBatch || offset < 0 {
		return wxerr.New(CodeInvalidParameter)
	}
	return nil
}

// logErr logs a failure of the PUBLISHJOBFINISH push path.
func (s *Service) logErr(msg string, j *publish.Job, err error) {
	if s.d.Log != nil {
		s.d.Log.Error(msg, slog.Int64("publish_id", j.ID), slog.Any("error", err))
	}
}

// runeLen counts characters as WeChat's limits do.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
