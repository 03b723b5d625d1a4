package wxapi_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
)

// BenchmarkUserInfo is an in-process view of the token-authenticated read
// that scripts/bench-api measures with wrk against `herald serve`.
func BenchmarkUserInfo(b *testing.B) {
	h := heraldtest.New(b)
	c := &client{base: h.URL}
	r, err := http.Get(h.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + h.Service.AppID + "&secret=" + h.Service.AppSecret)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	tok := string(body[len(`{"access_token":"`) : len(`{"access_token":"`)+136])
	u := c.base + "/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {h.Service.Followers[0].OpenID}}.Encode()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := hc.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
