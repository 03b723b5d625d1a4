package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

func TestDeveloperSettingsPushLogAndReplay(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	svc := h.Service
	owner := s.CreatePerson(t, "devowner", pw, user.RoleNone)
	agent := s.CreatePerson(t, "devagent", pw, user.RoleNone)
	outsider := s.CreatePerson(t, "outsider", pw, user.RoleNone)
	must(t, s.App.Accounts.AddMember(ctx, svc.ID, owner.ID, account.RoleAdmin))
	must(t, s.App.Accounts.AddMember(ctx, svc.ID, agent.ID, account.RoleAgent))
	must(t, s.App.Accounts.AddMember(ctx, h.Subscription.ID, outsider.ID, account.RoleAdmin))

	var mu sync.Mutex
	var pushes []string
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !wxcrypt.CheckSignature("devtoken123", q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, q.Get("echostr"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		pushes = append(pushes, string(b))
		mu.Unlock()
		io.WriteString(w, "success")
	}))
	defer dev.Close()

	c := s.Client(t)
	c.SignIn("devowner", pw)
	base := fmt.Sprintf("/mp/a/%d/dev", svc.ID)
	res := c.Get(base)
	if res.Status != 200 || !res.Contains(svc.AppID) || !res.Contains(svc.OriginalID) {
		t.Fatalf("dev page: %d", res.Status)
	}
	form := url.Values{"url": {dev.URL + "/wx"}, "token": {"devtoken123"}, "mode": {"safe"}, "enabled": {"on"}, "generate": {"1"}}
	res = c.PostForm(base, form)
	key := regexp.MustCompile(`name="aes_key" value="([A-Za-z0-9]{43})"`).FindStringSubmatch(res.Body)
	if res.Status != 200 || key == nil {
		t.Fatalf("generate: %d", res.Status)
	}
	form.Del("generate")
	form.Set("aes_key", key[1])
	form.Set("token", "wrongtoken1")
	res = c.PostForm(base, form)
	if res.Status == http.StatusSeeOther || !res.Contains("URL verification failed") || !res.Contains(dev.URL+"/wx") {
		t.Fatalf("wrong token: %d", res.Status)
	}
	if set, _ := s.App.DevSettings.Get(ctx, svc.ID); set.Configured() {
		t.Fatal("saved although the handshake failed")
	}
	form.Set("token", "devtoken123")
	form.Set("ip_allowlist", "not an address")
	if res = c.PostForm(base, form); res.Status == http.StatusSeeOther || !res.Contains("not an IP address") {
		t.Fatalf("bad allowlist: %d", res.Status)
	}
	form.Set("ip_allowlist", "")
	if res = c.PostForm(base, form); res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.Status, res.Body)
	}
	set, _ := s.App.DevSettings.Get(ctx, svc.ID)
	if !set.Configured() || set.Mode != "safe" || set.AESKey != key[1] || set.VerifiedAt.IsZero() {
		t.Fatalf("settings %+v", set)
	}

	if _, err := h.Send(svc, svc.Followers[0], "from the follower"); err != nil {
		t.Fatal(err)
	}
	if len(pushes) != 1 || strings.Contains(pushes[0], "from the follower") {
		t.Fatalf("pushes %v", pushes)
	}
	log := c.Get(base + "/pushes")
	if log.Status != 200 || !log.Contains(`Text message <span translate="no">from the follower</span>`) || !log.Contains("URL verification") {
		t.Fatalf("push log: %d", log.Status)
	}
	list, _ := s.App.DevSettings.Deliveries(ctx, svc.ID, 0, false, 1)
	one := c.Get(fmt.Sprintf("%s/pushes/%d", base, list[0].ID))
	if one.Status != 200 || !one.Contains("Encrypt the message") || !one.Contains("msg_signature") || !one.Contains("no reply") {
		t.Fatalf("delivery page: %d", one.Status)
	}
	res = c.PostForm(fmt.Sprintf("%s/pushes/%d/replay", base, list[0].ID), nil)
	if res.Status != http.StatusSeeOther || len(pushes) != 2 {
		t.Fatalf("replay: %d, %d pushes", res.Status, len(pushes))
	}

	// Other roles and other accounts' members see nothing.
	ca := s.Client(t)
	ca.SignIn("devagent", pw)
	if res := ca.Get(base + "/pushes"); res.Status != http.StatusForbidden {
		t.Fatalf("agent: %d", res.Status)
	}
	co := s.Client(t)
	co.SignIn("outsider", pw)
	if res := co.Get(fmt.Sprintf("%s/pushes/%d", base, list[0].ID)); res.Status != http.StatusForbidden {
		t.Fatalf("another account's owner: %d", res.Status)
	}
	if res := co.Get(fmt.Sprintf("/mp/a/%d/dev/pushes/%d", h.Subscription.ID, list[0].ID)); res.Status != http.StatusNotFound {
		t.Fatalf("delivery under another account: %d", res.Status)
	}
}

func TestScanningAQRCodeFollowsWithTheScene(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	svc := h.Service
	tk, err := s.App.QR.Create(ctx, svc.ID, qrcode.Scene, 42, "", time.Hour)
	must(t, err)
	anon := s.Client(t)
	if res := anon.Get("/q/" + tk.Ticket); res.Status != 200 || !res.Contains(svc.Name) || !res.Contains("Sign in to follow") {
		t.Fatalf("scan page: %d", res.Status)
	}
	c, p := staffClient(t, s, "scanner", user.RoleNone)
	res := c.PostForm("/q/"+tk.Ticket, nil)
	if res.Status != http.StatusSeeOther || res.Location != fmt.Sprintf("/chat/%d", svc.ID) {
		t.Fatalf("scan: %d %s", res.Status, res.Location)
	}
	f, err := s.App.Follows.Get(ctx, svc.ID, p.ID)
	must(t, err)
	if !f.Following || f.Source != follow.SourceQR || f.Scene != "42" {
		t.Fatalf("follow %+v", f)
	}
	if res := anon.Get("/q/nonsense"); res.Status != http.StatusNotFound {
		t.Fatalf("unknown ticket: %d", res.Status)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The push log stores codes and values, not English sentences; the pages
// write them in the reader's language. An entry logged as English prose
// (before codes) is still shown, as written and marked English.
func TestPushLogInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	svc := h.Service
	owner := s.CreatePerson(t, "logreader", pw, user.RoleNone)
	must(t, s.App.Accounts.AddMember(ctx, svc.ID, owner.ID, account.RoleAdmin))
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("echostr"))
			return
		}
		io.WriteString(w, "success")
	}))
	defer dev.Close()
	const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	if err := h.SetServer(svc, dev.URL, "logtoken1", aesKey, "safe"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Send(svc, svc.Followers[0], "tea please"); err != nil {
		t.Fatal(err)
	}
	list, err := s.App.DevSettings.Deliveries(ctx, svc.ID, 0, false, 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("log: %v %v", list, err)
	}
	id := list[0].ID
	q, _ := url.ParseQuery(list[0].Query)

	var summary, reply, problem, checks string
	if err := s.App.DB.QueryRow(ctx, `SELECT summary, reply, error, checks FROM push_deliveries WHERE id = ?`, id).Scan(&summary, &reply, &problem, &checks); err != nil {
		t.Fatal(err)
	}
	if summary != `["m.text","tea please"]` || reply != `["r.none"]` || problem != "" {
		t.Errorf("stored summary %s, reply %s, error %q", summary, reply, problem)
	}
	// The signature's values are the query's, not stored twice.
	if !strings.HasPrefix(checks, `[["+sign"],["+encrypt","`) || !strings.Contains(checks, `["+try","1","`) ||
		!strings.HasSuffix(checks, `["+read.none"]]`) || strings.Contains(checks, "sha1") || strings.Contains(checks, "Attempt") {
		t.Errorf("stored checks %s", checks)
	}

	// An entry of an older Herald: English prose in every column.
	const oldID = 1
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO push_deliveries (id, account_id, kind, summary, mode, url, ok, attempts, status_code, error, checks, created_at)
		VALUES (?, ?, 'message', 'text: an old one', 'safe', ?, FALSE, 3, 500, 'No usable answer after 3 attempts: HTTP 500', ?, ?)`,
		oldID, svc.ID, dev.URL, `[{"step":"Attempt 1","ok":false,"detail":"HTTP 500 in 2ms; WeChat expects 200"}]`, time.Now().Add(-time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}

	c := s.Client(t)
	c.SignIn("logreader", pw)
	base := fmt.Sprintf("/mp/a/%d/dev/pushes", svc.ID)
	for _, tc := range []struct {
		lang      string
		want, not []string
	}{
		{"en", []string{"Sign the request", "timestamp " + q.Get("timestamp") + " and nonce " + q.Get("nonce") + " = " + q.Get("signature"),
			"nonce and Encrypt = " + q.Get("msg_signature"), "Encrypt the message", "Attempt 1", "HTTP 200 in", "Read the reply", `Empty body or &#34;success&#34;`, "Text message", "No reply"}, []string{"签名"}},
		{"zh-CN", []string{"签名请求", "加密消息", "第 1 次尝试", "内返回 HTTP 200", "读取回复", "空内容或", "文本消息", "不回复"},
			[]string{"Sign the request", "Attempt 1", "Read the reply", "No reply", `lang="en"><strong>`, `<span translate="no" lang="en">`}},
	} {
		if res := c.PostForm("/lang", url.Values{"lang": {tc.lang}}); res.Status != http.StatusSeeOther {
			t.Fatalf("switch to %s: %d", tc.lang, res.Status)
		}
		one := c.Get(fmt.Sprintf("%s/%d", base, id))
		all := c.Get(base)
		if one.Status != 200 || all.Status != 200 {
			t.Fatalf("%s: pages %d, %d", tc.lang, one.Status, all.Status)
		}
		for _, w := range tc.want {
			if !one.Contains(w) && !all.Contains(w) {
				t.Errorf("%s: the push log lacks %q", tc.lang, w)
			}
		}
		for _, w := range tc.not {
			if one.Contains(w) {
				t.Errorf("%s: the delivery shows %q", tc.lang, w)
			}
		}
		if !one.Contains(`<span translate="no">tea please</span>`) {
			t.Errorf("%s: the follower's text is not shown as content", tc.lang)
		}
		// The old entry: its prose as written, marked English.
		if !all.Contains(`<span translate="no" lang="en">text: an old one</span>`) || !all.Contains(`<span translate="no" lang="en">No usable answer after 3 attempts: HTTP 500</span>`) {
			t.Errorf("%s: the log does not show the old entry as written", tc.lang)
		}
		old := c.Get(fmt.Sprintf("%s/%d", base, oldID))
		if old.Status != 200 || !old.Contains(`translate="no" lang="en"><strong>✗ Attempt 1</strong><br><span class="wrap">HTTP 500 in 2ms; WeChat expects 200</span>`) {
			t.Errorf("%s: old delivery page: %d", tc.lang, old.Status)
		}
	}
}
