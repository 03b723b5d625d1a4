package wxapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
	"github.com/heraldoa/herald/internal/wxapi/wxapitest"
)

func TestKfAccountsAndSessionsAreTheInbox(t *testing.T) {
	h, c, tok := start(t)
	svc := h.Service
	gh := "@" + svc.OriginalID
	dev := wxapitest.Serve(t, h, svc, "evtoken", "")
	kfEvent := wxapitest.Event(wxmsg.EventKfCreateSession, wxmsg.EventKfSwitchSession, wxmsg.EventKfCloseSession)

	// Account rules.
	wantCode(t, "foreign suffix", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "sam@" + h.Subscription.OriginalID, "nickname": "Sam"}), 61452)
	wantCode(t, "long prefix", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "abcdefghijk" + gh, "nickname": "Sam"}), 61454)
	wantCode(t, "bad character", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "sa-m" + gh, "nickname": "Sam"}), 61455)
	wantCode(t, "no nickname", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "sam" + gh, "nickname": " "}), 65403)
	wantCode(t, "add sam", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "sam" + gh, "nickname": "Sam"}), 0)
	wantCode(t, "add again", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "SAM" + gh, "nickname": "Sam"}), 61453)
	wantCode(t, "add nora", c.post("/customservice/kfaccount/add", tok, map[string]string{"kf_account": "nora" + gh, "nickname": "Nora"}), 0)
	wantCode(t, "update", c.post("/customservice/kfaccount/update", tok, map[string]string{"kf_account": "nora" + gh, "nickname": "Nora K"}), 0)
	wantCode(t, "update unknown", c.post("/customservice/kfaccount/update", tok, map[string]string{"kf_account": "zed" + gh, "nickname": "Zed"}), 65401)

	// Binding: a member who answers the inbox at once; anyone else once an
	// owner adds them to the team.
	sam := h.NewAgent(svc, "sam", "agent")
	h.NewPerson("nora")
	h.NewAgent(svc, "pia", "publisher")
	wantCode(t, "unknown user", c.post("/customservice/kfaccount/inviteworker", tok, map[string]string{"kf_account": "sam" + gh, "invite_wx": "nobody"}), 65409)
	wantCode(t, "bind sam", c.post("/customservice/kfaccount/inviteworker", tok, map[string]string{"kf_account": "sam" + gh, "invite_wx": "sam"}), 0)
	wantCode(t, "bind sam twice", c.post("/customservice/kfaccount/inviteworker", tok, map[string]string{"kf_account": "sam" + gh, "invite_wx": "sam"}), 65407)
	wantCode(t, "invite nora", c.post("/customservice/kfaccount/inviteworker", tok, map[string]string{"kf_account": "nora" + gh, "invite_wx": "nora"}), 0)
	wantCode(t, "invite again", c.post("/customservice/kfaccount/inviteworker", tok, map[string]string{"kf_account": "nora" + gh, "invite_wx": "pia"}), 65411)
	list := c.call("/cgi-bin/customservice/getkflist", tok, nil)["kf_list"].([]any)
	if len(list) != 2 {
		t.Fatalf("getkflist: %v", list)
	}
	k0, k1 := list[0].(map[string]any), list[1].(map[string]any)
	if k0["kf_account"] != "sam"+gh || k0["kf_wx"] != "sam" || k0["kf_id"].(float64) != 1001 || k1["kf_nick"] != "Nora K" ||
		k1["invite_wx"] != "nora" || k1["invite_status"] != "waiting" || k1["kf_wx"] != nil {
		t.Fatalf("getkflist: %v", list)
	}
	if _, err := h.Internal().App.Accounts.Invite(t.Context(), svc.ID, "owner", "nora", "agent"); err != nil {
		t.Fatal(err)
	}
	nora := &heraldtest.Agent{Username: "nora"}
	k1 = c.call("/cgi-bin/customservice/getkflist", tok, nil)["kf_list"].([]any)[1].(map[string]any)
	if k1["kf_wx"] != "nora" || k1["invite_status"] != nil {
		t.Fatalf("nora joined the team but the kf account is not bound: %v", k1)
	}
	for _, m := range mustMembers(t, h, svc) {
		if m.Username == "nora" {
			nora.PersonID = m.PersonID
		}
	}
	// Other accounts see none of it.
	other := c.token(h.Subscription)
	if l := c.call("/cgi-bin/customservice/getkflist", other, nil)["kf_list"].([]any); len(l) != 0 {
		t.Fatalf("another account sees kf accounts: %v", l)
	}

	// A follower writes: a wait case; the API creates a session for sam,
	// which the console inbox shows as sam's.
	mei, bob := svc.Followers[0], svc.Followers[1]
	if _, err := h.Send(svc, mei, "my card is blocked"); err != nil {
		t.Fatal(err)
	}
	wc := c.call("/customservice/kfsession/getwaitcase", tok, nil)
	if wc["count"].(float64) != 1 || wc["waitcaselist"].([]any)[0].(map[string]any)["openid"] != mei.OpenID {
		t.Fatalf("getwaitcase: %v", wc)
	}
	wantCode(t, "no conversation", c.post("/customservice/kfsession/create", tok, map[string]string{"kf_account": "sam" + gh, "openid": svc.Followers[2].OpenID}), 65413)
	wantCode(t, "create", c.post("/customservice/kfsession/create", tok, map[string]string{"kf_account": "sam" + gh, "openid": mei.OpenID}), 0)
	if st, who, err := h.InboxState(svc, mei); err != nil || st != "assigned" || who != sam.PersonID {
		t.Fatalf("console inbox after kfsession/create: %s %d %v", st, who, err)
	}
	if e := dev.Next(t, kfEvent); e.Event != wxmsg.EventKfCreateSession || e.KfAccount != "sam"+gh || e.FromUserName != mei.OpenID {
		t.Fatalf("event: %+v", e)
	}
	wantCode(t, "taken", c.post("/customservice/kfsession/create", tok, map[string]string{"kf_account": "nora" + gh, "openid": mei.OpenID}), 65414)
	gs := c.call("/customservice/kfsession/getsession", tok, url.Values{"openid": {mei.OpenID}})
	if gs["kf_account"] != "sam"+gh || gs["createtime"].(float64) == 0 {
		t.Fatalf("getsession: %v", gs)
	}
	if wc := c.call("/customservice/kfsession/getwaitcase", tok, nil); wc["count"].(float64) != 0 {
		t.Fatalf("getwaitcase after the session: %v", wc)
	}

	// An agent answers in the console: the API lists the session.
	if _, err := h.Send(svc, bob, "hello?"); err != nil {
		t.Fatal(err)
	}
	if err := h.Reply(svc, nora, bob, "Hi Bob, Nora here."); err != nil {
		t.Fatal(err)
	}
	if e := dev.Next(t, kfEvent); e.Event != wxmsg.EventKfCreateSession || e.KfAccount != "nora"+gh || e.FromUserName != bob.OpenID {
		t.Fatalf("event: %+v", e)
	}
	sl := c.call("/customservice/kfsession/getsessionlist", tok, url.Values{"kf_account": {"nora" + gh}})["sessionlist"].([]any)
	if len(sl) != 1 || sl[0].(map[string]any)["openid"] != bob.OpenID {
		t.Fatalf("getsessionlist: %v", sl)
	}

	// Sent as a kf account: an agent's message in the follower's chat.
	r := c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": mei.OpenID, "msgtype": "text",
		"text": map[string]string{"content": "Unblocked."}, "customservice": map[string]string{"kf_account": "sam" + gh}})
	wantCode(t, "send as kf", r, 0)
	conv, _ := h.Conversation(svc, mei)
	if last := conv[len(conv)-1]; last.Text != "Unblocked." || last.Sender != "agent" {
		t.Fatalf("kf send: %+v", last)
	}
	wantCode(t, "send as unknown kf", c.post("/cgi-bin/message/custom/send", tok, map[string]any{"touser": mei.OpenID, "msgtype": "text",
		"text": map[string]string{"content": "x"}, "customservice": map[string]string{"kf_account": "zed" + gh}}), 65401)

	// Console transfer and API close.
	if err := h.Transfer(svc, sam, nora, mei); err != nil {
		t.Fatal(err)
	}
	if e := dev.Next(t, kfEvent); e.Event != wxmsg.EventKfSwitchSession || e.FromKfAccount != "sam"+gh || e.ToKfAccount != "nora"+gh {
		t.Fatalf("event: %+v", e)
	}
	wantCode(t, "close by the wrong kf", c.post("/customservice/kfsession/close", tok, map[string]string{"kf_account": "sam" + gh, "openid": mei.OpenID}), 65413)
	wantCode(t, "close", c.post("/customservice/kfsession/close", tok, map[string]string{"kf_account": "nora" + gh, "openid": mei.OpenID}), 0)
	if st, _, _ := h.InboxState(svc, mei); st != "closed" {
		t.Fatalf("console inbox after kfsession/close: %s", st)
	}
	if e := dev.Next(t, kfEvent); e.Event != wxmsg.EventKfCloseSession || e.KfAccount != "nora"+gh {
		t.Fatalf("event: %+v", e)
	}

	// Online: members signed in to the console.
	if l := c.call("/cgi-bin/customservice/getonlinekflist", tok, nil)["kf_online_list"].([]any); len(l) != 0 {
		t.Fatalf("online before anyone signed in: %v", l)
	}
	h.SignIn(nora)
	l := c.call("/cgi-bin/customservice/getonlinekflist", tok, nil)["kf_online_list"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["kf_account"] != "nora"+gh || l[0].(map[string]any)["accepted_case"].(float64) != 1 {
		t.Fatalf("getonlinekflist: %v", l)
	}

	// Head image, then delete (GET, as the docs call it).
	head := "/customservice/kfaccount/uploadheadimg?kf_account=" + url.QueryEscape("sam"+gh)
	wantCode(t, "head: not an image", c.upload(head, tok, "", "a.txt", []byte("hello world")), 61457)
	r = c.upload(head, tok, "", "a.png", pngImage(t))
	wantCode(t, "head", r, 0)
	k0 = c.call("/cgi-bin/customservice/getkflist", tok, nil)["kf_list"].([]any)[0].(map[string]any)
	res, err := http.Get(k0["kf_headimgurl"].(string))
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("head image %v: %v %v", k0["kf_headimgurl"], res, err)
	}
	res.Body.Close()
	wantCode(t, "del", c.call("/customservice/kfaccount/del", tok, url.Values{"kf_account": {"sam" + gh}}), 0)
	if l := c.call("/cgi-bin/customservice/getkflist", tok, nil)["kf_list"].([]any); len(l) != 1 {
		t.Fatalf("after del: %v", l)
	}
}

func mustMembers(t *testing.T, h *heraldtest.Herald, a *heraldtest.Account) []struct {
	PersonID int64
	Username string
} {
	ms, err := h.Internal().App.Accounts.Members(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []struct {
		PersonID int64
		Username string
	}
	for _, m := range ms {
		out = append(out, struct {
			PersonID int64
			Username string
		}{m.PersonID, m.Username})
	}
	return out
}
