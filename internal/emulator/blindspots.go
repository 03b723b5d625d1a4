package emulator

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tmplmsg"
)

// routeBlindSpots adds the control calls for what a bot test could not
// reach before: the template libraries, web sign-in domains, OAuth codes
// and subscription consents of virtual followers.
func (e *Emulator) routeBlindSpots(mux *http.ServeMux) {
	mux.HandleFunc("POST "+Prefix+"templates", e.addTemplate)
	mux.HandleFunc("POST "+Prefix+"subscribe-templates", e.addSubscribeTemplate)
	mux.HandleFunc("POST "+Prefix+"web-domains", e.setWebDomains)
	mux.HandleFunc("POST "+Prefix+"followers/{id}/oauth", e.oauthCode)
	mux.HandleFunc("POST "+Prefix+"followers/{id}/subscribe-notifications", e.subscribeNotifications)
}

// sceneOf is the scene of one of the account's QR tickets.
func (e *Emulator) sceneOf(ctx context.Context, acc *Account, ticket string) (string, error) {
	t, err := e.App.QR.Get(ctx, ticket)
	if err != nil || t.AccountID != acc.ID {
		return "", fmt.Errorf("no QR code of this account has ticket %q (or it expired)", ticket)
	}
	return t.Scene, nil
}

// POST /_emulator/templates {"short_id","title","industry","content","example"}:
// a template of the platform's template-message library (what an
// administrator adds at /admin/templates).
func (e *Emulator) addTemplate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ShortID  string `json:"short_id"`
		Title    string `json:"title"`
		Industry int    `json:"industry"`
		Content  string `json:"content"`
		Example  string `json:"example"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	t := &tmplmsg.LibraryTemplate{ShortID: in.ShortID, Title: in.Title, Industry: in.Industry, Content: in.Content, Example: in.Example}
	if err := e.App.Templates.SaveLibrary(r.Context(), t); err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, map[string]any{"short_id": t.ShortID, "title": t.Title, "industry": t.Industry})
}

// POST /_emulator/subscribe-templates {"title","type":"one-time"|"long-term",
// "category":308,"keywords":[{"name","rule","example"}]}: a template of the
// subscription-notification library; answers its tid.
func (e *Emulator) addSubscribeTemplate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string `json:"title"`
		Type     string `json:"type"`
		Category int    `json:"category"`
		Keywords []struct {
			Name    string `json:"name"`
			Rule    string `json:"rule"`
			Example string `json:"example"`
		} `json:"keywords"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	t := &subscribemsg.LibraryTemplate{Title: in.Title, Type: subscribemsg.OneTime, CategoryID: in.Category}
	switch in.Type {
	case "", "one-time":
	case "long-term":
		t.Type = subscribemsg.LongTerm
	default:
		fail(w, 400, `type is "one-time" or "long-term"`)
		return
	}
	for i, k := range in.Keywords {
		t.Keywords = append(t.Keywords, subscribemsg.Keyword{KID: i + 1, Name: k.Name, Rule: k.Rule, Example: k.Example})
	}
	if err := e.App.Subscriptions.SaveLibrary(r.Context(), t); err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, map[string]any{"tid": t.TID, "title": t.Title, "type": t.Type, "category": t.CategoryID})
}

// POST /_emulator/web-domains?appid= {"domains":["app.example.com"]}: the
// account's web sign-in domains (OAuth redirect_uri hosts).
func (e *Emulator) setWebDomains(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var in struct {
		Domains []string `json:"domains"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	if err := e.App.OAuth.SetDomains(r.Context(), acc.ID, in.Domains); err != nil {
		fail(w, 400, err.Error())
		return
	}
	hosts, _ := e.App.OAuth.Domains(r.Context(), acc.ID)
	writeJSON(w, 200, map[string]any{"domains": hosts})
}

// POST /_emulator/followers/{id}/oauth?appid= {"redirect_uri","scope","state"}:
// the follower consents on the authorize page without a browser. It
// answers the code and the address the browser would be sent to; the
// request is checked as /connect/oauth2/authorize checks it.
func (e *Emulator) oauthCode(w http.ResponseWriter, r *http.Request) {
	acc, f, ok := e.target(w, r)
	if !ok {
		return
	}
	var in struct {
		RedirectURI string `json:"redirect_uri"`
		Scope       string `json:"scope"`
		State       string `json:"state"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	if in.Scope == "" {
		in.Scope = oauth.ScopeBase
	}
	if in.State == "" {
		in.State = "STATE"
	}
	q := url.Values{"appid": {acc.AppID}, "redirect_uri": {in.RedirectURI}, "scope": {in.Scope}, "state": {in.State}, "response_type": {"code"}}
	az, code, err := e.App.OAuth.CheckAuthorize(r.Context(), q)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	if az == nil {
		writeJSON(w, 400, map[string]any{"error": oauth.PageErrors[code], "code": code})
		return
	}
	c, err := e.App.OAuth.IssueCode(r.Context(), az, f.PersonID)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	writeJSON(w, 200, map[string]any{"code": c, "state": az.State, "redirect": az.Redirect(c)})
}

// POST /_emulator/followers/{id}/subscribe-notifications?appid=
// {"templates":{"priTmplId":true},"always":false,"scene":"web"|"article"}:
// the follower answers the consent sheet (subscribe_msg_popup_event); with
// "withdraw":["priTmplId"] they turn templates off instead
// (subscribe_msg_change_event).
func (e *Emulator) subscribeNotifications(w http.ResponseWriter, r *http.Request) {
	acc, f, ok := e.target(w, r)
	if !ok {
		return
	}
	var in struct {
		Templates map[string]bool `json:"templates"`
		Always    bool            `json:"always"`
		Scene     string          `json:"scene"`
		Withdraw  []string        `json:"withdraw"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	a, err := e.App.Accounts.ByID(r.Context(), acc.ID)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	for _, id := range in.Withdraw {
		if err := e.App.Subscriptions.Withdraw(r.Context(), a, f.PersonID, id); err != nil {
			fail(w, 400, err.Error())
			return
		}
	}
	if len(in.Templates) > 0 {
		scene := subscribemsg.SceneWebPage
		if in.Scene == "article" {
			scene = subscribemsg.SceneArticle
		}
		var ds []subscribemsg.Decision
		for id, ok := range in.Templates {
			ds = append(ds, subscribemsg.Decision{TemplateID: id, Accept: ok})
		}
		if err := e.App.Subscriptions.Subscribe(r.Context(), a, f.PersonID, ds, in.Always, scene); err != nil {
			fail(w, 400, err.Error())
			return
		}
	}
	cs, err := e.App.Subscriptions.Consents(r.Context(), acc.ID, f.PersonID)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	type row struct {
		TemplateID string `json:"template_id"`
		Title      string `json:"title"`
		Type       int    `json:"type"`
		Remaining  int    `json:"remaining"`
		Always     bool   `json:"always"`
	}
	out := []row{}
	for _, c := range cs {
		out = append(out, row{TemplateID: c.TemplateID, Title: c.Title, Type: c.Type, Remaining: c.Remaining, Always: c.Always})
	}
	writeJSON(w, 200, map[string]any{"accepted": out})
}

// The sample video: 1.5 s of ffmpeg's test pattern at 96×64 with a 660 Hz
// tone (H.264 baseline and AAC in MP4, 6 KB), and its cover, a frame of it
// as JPEG. Made once with
//
//	ffmpeg -f lavfi -i testsrc=size=96x64:rate=8:duration=1.5 \
//	  -f lavfi -i sine=frequency=660:duration=1.5:sample_rate=16000 \
//	  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset veryslow -crf 40 -g 12 \
//	  -c:a aac -b:a 12k -ac 1 -movflags +faststart -shortest -map_metadata -1 -fflags +bitexact video.mp4
//	ffmpeg -ss 0.5 -i video.mp4 -frames:v 1 -q:v 10 video-thumb.jpg
var (
	//go:embed samples/video.mp4
	sampleVideo []byte
	//go:embed samples/video-thumb.jpg
	sampleCover []byte
)

// sample makes or gives a small real file for a follower's message sent
// without one, and for a video its cover: an 8×8 PNG, one second of a
// 440 Hz tone as 8 kHz WAV (WeChat's voice types include WAV; browsers play
// it), or the sample video.
func sample(kind string) (file, cover []byte) {
	switch kind {
	case message.KindImage:
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		for x := 0; x < 8; x++ {
			img.Set(x, x, color.RGBA{200, 30, 30, 255})
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		return b.Bytes(), nil
	case message.KindVoice:
		const rate, n = 8000, 8000
		var b bytes.Buffer
		b.WriteString("RIFF")
		_ = binary.Write(&b, binary.LittleEndian, uint32(36+n))
		b.WriteString("WAVEfmt ")
		for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate), uint16(1), uint16(8)} {
			_ = binary.Write(&b, binary.LittleEndian, v)
		}
		b.WriteString("data")
		_ = binary.Write(&b, binary.LittleEndian, uint32(n))
		for i := 0; i < n; i++ {
			b.WriteByte(byte(128 + 60*math.Sin(2*math.Pi*440*float64(i)/rate)))
		}
		return b.Bytes(), nil
	case message.KindVideo:
		return sampleVideo, sampleCover
	}
	return nil, nil
}
