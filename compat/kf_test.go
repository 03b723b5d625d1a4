package compat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
)

// silenceper's customer-service manager drives Herald's kf accounts, which
// are the console inbox's agents; sessions (which silenceper lacks) go
// over raw HTTP.
func TestSilenceperKfAccounts(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	svc := h.Service
	oa := account(svc, false)
	csm := oa.GetCustomerServiceManager()
	gh := "@" + svc.OriginalID
	sam := h.NewAgent(svc, "sam", "agent")

	if err := csm.Add("sam"+gh, "Sam"); err != nil {
		t.Fatal(err)
	}
	if err := csm.Add("sam"+gh, "Sam"); errcode(err) != 61453 {
		t.Fatalf("second add: %v", err)
	}
	if err := csm.Update("sam"+gh, "Sam L"); err != nil {
		t.Fatal(err)
	}
	if err := csm.InviteBind("sam"+gh, "sam"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	head := filepath.Join(dir, "head.png")
	if err := os.WriteFile(head, pngImage(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := csm.UploadHeadImg("sam"+gh, head); err != nil {
		t.Fatal(err)
	}
	list, err := csm.List()
	if err != nil || len(list) != 1 || list[0].KfAccount != "sam"+gh || list[0].KfNick != "Sam L" || list[0].KfWX != "sam" ||
		list[0].KfID != 1001 || list[0].KfHeadImgURL == "" {
		t.Fatalf("List: %+v %v", list, err)
	}

	// A follower writes; the API creates a session; the console shows it.
	mei := svc.Followers[0]
	if _, err := h.Send(svc, mei, "hello"); err != nil {
		t.Fatal(err)
	}
	tok, err := oa.GetAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	raw := func(path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		res, err := http.Post(h.URL+path+"?access_token="+tok, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	if r := raw("/customservice/kfsession/create", map[string]string{"kf_account": "sam" + gh, "openid": mei.OpenID}); r["errcode"].(float64) != 0 {
		t.Fatalf("kfsession/create: %v", r)
	}
	if st, who, _ := h.InboxState(svc, mei); st != "assigned" || who != sam.PersonID {
		t.Fatalf("inbox: %s %d", st, who)
	}
	h.SignIn(sam)
	on, err := csm.OnlineList()
	if err != nil || len(on) != 1 || on[0].KfAccount != "sam"+gh || on[0].Status != 1 || on[0].AcceptedCase != 1 {
		t.Fatalf("OnlineList: %+v %v", on, err)
	}
	if err := csm.Delete("sam" + gh); err != nil {
		t.Fatal(err)
	}
	if list, err := csm.List(); err != nil || len(list) != 0 {
		t.Fatalf("after Delete: %+v %v", list, err)
	}
}
