package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// A/B tests of a mass send's title and cover: the list, a test made from a
// draft (2–4 variants, the sample, the window, an automatic or manual
// winner), and each test's results with the statistics and a button that
// sends the winner now. See docs/publishing.md (A/B tests).

// abtests is the store; it keeps nothing in the process, so one per
// request is as good as one for the server.
func (u *UI) abtests() *abtest.Store {
	s := abtest.NewStore(u.Publish.DB(), u.Clock, u.Publish)
	if u.PublishEngine != nil {
		s.Wake = u.PublishEngine.Wake
	}
	return s
}

func (u *UI) registerABTests(h core.Route) {
	if u.Publish == nil {
		return
	}
	mass := u.Member(account.ActMassSend)
	form := core.View{Title: "New A/B test", Template: "mp/abtest_new", Load: u.loadABTestForm}
	results := core.View{Title: "A/B test", Template: "mp/abtest", Load: u.loadABTest}
	h("GET /mp/a/{account}/abtests", u.Get(mass, core.View{Title: "A/B tests", Template: "mp/abtests", Load: u.loadABTests}))
	h("GET /mp/a/{account}/abtests/new", u.Get(mass, form))
	h("POST /mp/a/{account}/abtests", core.Post(u.UI, mass, core.Form[abtest.Input]{View: form, Parse: parseABTest,
		Do: func(r *http.Request, c *core.ConsoleCtx, in abtest.Input) (core.Done, error) {
			t, err := u.abtests().Create(r.Context(), c.Account.ID, web.Person(r).ID, in)
			if err != nil {
				return core.Done{}, err
			}
			return core.Done{To: "abtests/" + strconv.FormatInt(t.ID, 10), Flash: u.T(r, "The test is running: %d variants are on their way to %d followers.", len(t.Variants), t.Sample())}, nil
		}}))
	h("GET /mp/a/{account}/abtests/{test}", u.Get(mass, results))
	h("POST /mp/a/{account}/abtests/{test}/winner", core.Post(u.UI, mass, core.Form[winnerChoice]{View: results,
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (winnerChoice, error) {
			id, err := core.PathID(r, "test")
			if err != nil {
				return winnerChoice{}, err
			}
			v, err := strconv.Atoi(r.PostForm.Get("variant"))
			if err != nil {
				v = -1
			}
			return winnerChoice{test: id, variant: v}, nil
		},
		Do: func(r *http.Request, c *core.ConsoleCtx, in winnerChoice) (core.Done, error) {
			t, err := u.abtests().SendWinner(r.Context(), c.Account.ID, in.test, in.variant)
			if err != nil {
				return core.Done{}, err
			}
			w := t.WinnerVariant()
			return core.Done{To: "abtests/" + strconv.FormatInt(t.ID, 10), Flash: u.T(r, "Variant %s (“%s”) is on its way to the rest of the audience.", w.Letter(), w.Title)}, nil
		}}))
	u.AddNav(core.NavItem{Label: "A/B tests", Path: "abtests", Action: account.ActMassSend, Order: 25})
}

type winnerChoice struct {
	test    int64
	variant int
}

// parseABTest reads the form: variants are the rows with a title.
func parseABTest(r *http.Request, _ *core.ConsoleCtx) (abtest.Input, error) {
	f := r.PostForm
	in := abtest.Input{Target: f.Get("target"), AutoWinner: f.Get("winner") != "manual"}
	in.DraftID, _ = strconv.ParseInt(f.Get("draft"), 10, 64)
	in.TagID, _ = strconv.ParseInt(f.Get("tag"), 10, 64)
	in.SamplePercent, _ = strconv.Atoi(strings.TrimSpace(f.Get("sample")))
	hours, _ := strconv.Atoi(f.Get("window"))
	in.Window = time.Duration(hours) * time.Hour
	for i := range abtest.MaxVariants {
		title := strings.TrimSpace(f.Get(fmt.Sprintf("title_%d", i)))
		if title == "" && i >= abtest.MinVariants {
			continue
		}
		in.Variants = append(in.Variants, abtest.VariantInput{Title: title, CoverMediaID: f.Get(fmt.Sprintf("cover_%d", i))})
	}
	return in, nil
}

type abTestsData struct {
	Tests  []*abtest.Test
	Drafts []*publish.Publication
}

func (u *UI) loadABTests(r *http.Request, p *core.Page) error {
	id := p.Console.Account.ID
	tests, err := u.abtests().Tests(r.Context(), id, 50)
	if err != nil {
		return err
	}
	drafts, err := u.Publish.List(r.Context(), id, []string{publish.StateDraft}, 0, 50)
	if err != nil {
		return err
	}
	p.Data = &abTestsData{Tests: tests, Drafts: drafts}
	return nil
}

type variantRow struct {
	Index        int
	Letter       string
	Title        string
	CoverMediaID string
	Optional     bool
}

type abTestFormData struct {
	Draft    *publish.Publication
	Variants []variantRow
	Images   []*publish.Asset
	Tags     []tagOption
	Quota    *publish.Quota
	Target   string
	TagID    int64
	Sample   string
	Window   int
	Windows  []int
	Manual   bool
	Min, Max int // sample percent
}

func (u *UI) loadABTestForm(r *http.Request, p *core.Page) error {
	c := p.Console
	ctx := r.Context()
	raw := r.URL.Query().Get("draft")
	if p.Form != nil {
		raw = p.Form.Get("draft")
	}
	draftID, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return errs.NotFoundf("Choose a draft to test.")
	}
	d := &abTestFormData{Target: publish.TargetAll, Sample: "20", Window: int(abtest.DefaultWindow.Hours()),
		Windows: []int{1, 2, 4, 6, 12, 24, 48, 72}, Min: abtest.MinPercent, Max: abtest.MaxPercent}
	if d.Draft, err = u.Publish.Publication(ctx, c.Account.ID, draftID); err != nil {
		return err
	}
	if d.Draft.State != publish.StateDraft {
		return errs.NotFoundf("There is no such draft.")
	}
	if d.Images, err = u.Publish.Assets(ctx, c.Account.ID, publish.AssetImage, 200); err != nil {
		return err
	}
	if d.Quota, err = u.Publish.Quota(ctx, c.Account); err != nil {
		return err
	}
	d.Tags = u.accountTags(r, c.Account.ID)
	for i := range abtest.MaxVariants {
		row := variantRow{Index: i, Letter: abtest.Letter(i), Optional: i >= abtest.MinVariants}
		if i == 0 && len(d.Draft.Articles) > 0 {
			row.Title, row.CoverMediaID = d.Draft.Articles[0].Title, d.Draft.Articles[0].CoverMediaID
		}
		if f := p.Form; f != nil {
			row.Title, row.CoverMediaID = f.Get(fmt.Sprintf("title_%d", i)), f.Get(fmt.Sprintf("cover_%d", i))
		}
		d.Variants = append(d.Variants, row)
	}
	if f := p.Form; f != nil {
		d.Target, d.Sample, d.Manual = f.Get("target"), f.Get("sample"), f.Get("winner") == "manual"
		d.TagID, _ = strconv.ParseInt(f.Get("tag"), 10, 64)
		d.Window, _ = strconv.Atoi(f.Get("window"))
	}
	p.Data = d
	return nil
}

type abTestData struct {
	Test    *abtest.Test
	Result  *abtest.Result
	Ended   bool // the window is over
	Compare map[int]abtest.Comparison
	Verdict string // the result in one sentence, in the viewer's language
}

// PValue writes a comparison's p-value for people.
func (d *abTestData) PValue(i int) string {
	c, ok := d.Compare[i]
	if !ok {
		return ""
	}
	return abtest.FormatP(c.P)
}

// P is the result's p-value for people.
func (d *abTestData) P() string { return abtest.FormatP(d.Result.P) }

// Level is the p-value a winner needs, for people.
func (d *abTestData) Level() string { return abtest.FormatP(d.Result.Level) }

// Hours is the window's length.
func (d *abTestData) Hours() int { return int(d.Test.Window.Hours()) }

// Percent writes a rate in percent with one decimal.
func (d *abTestData) Percent(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }

// Local writes t as a <time> in the viewer's zone.
func (d *abTestData) Local(t time.Time) template.HTML { return core.TimeTag(t, "datetime", "") }

func (u *UI) loadABTest(r *http.Request, p *core.Page) error {
	id, err := core.PathID(r, "test")
	if err != nil {
		return err
	}
	t, err := u.abtests().Test(r.Context(), p.Console.Account.ID, id)
	if err != nil {
		return err
	}
	res := t.Result()
	d := &abTestData{Test: t, Result: res, Ended: !u.Clock.Now().Before(t.EndsAt), Compare: map[int]abtest.Comparison{}}
	for _, c := range res.Comparisons {
		d.Compare[c.Other] = c
	}
	p.Data = d
	if res.VerdictFormat != "" {
		d.Verdict = u.T(r, res.VerdictFormat, res.VerdictArgs...)
	} else {
		d.Verdict = res.Verdict
	}
	p.Title = u.T(r, "A/B test: %s", t.Variants[0].Title)
	return nil
}
