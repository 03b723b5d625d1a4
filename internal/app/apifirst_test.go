package app

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/heraldoa/herald/internal/wx/wxpath"
)

type namedHandler string

func (n namedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Handler", string(n))
	w.Header().Set("X-Pattern", r.Pattern)
	_, _ = w.Write([]byte(r.URL.Path))
}

// TestAPIFirstAnswersAsTheMux: every request, whether apiFirst sends it
// straight to the API or not, is answered by the handler the mux would
// choose, under the pattern the mux would record (the metrics' route
// label), with the mux's redirects for unclean paths and trailing slashes.
func TestAPIFirstAnswersAsTheMux(t *testing.T) {
	api, ui := namedHandler("api"), namedHandler("ui")
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", namedHandler("health"))
	for _, p := range wxpath.Prefixes {
		mux.Handle(p, api)
	}
	mux.Handle("/", ui)
	mux.Handle("/connect/oauth2/authorize", ui)
	paths := []string{"/cgi-bin/user/info", "/cgi-bin/token", "/sns/userinfo", "/datacube/getusersummary",
		"/connect/oauth2/authorize", "/healthz", "/cgi-bin", "/cgi-bin/../s/1"}
	h := apiFirst(mux, api, paths)
	targets := []string{"/cgi-bin/user/info?access_token=x&openid=y", "/cgi-bin/user/info/", "/cgi-bin//user/info",
		"/cgi-bin/./user/info", "/cgi-bin/user%2Finfo", "/cgi-bin/token", "/sns/userinfo", "/datacube/getusersummary",
		"/connect/oauth2/authorize?appid=a", "/healthz", "/cgi-bin", "/cgi-bin/../s/1", "/s/1", "/"}
	for _, target := range targets {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodHead} {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			mux.ServeHTTP(want, httptest.NewRequest(method, target, nil))
			h.ServeHTTP(got, httptest.NewRequest(method, target, nil))
			for _, k := range []string{"X-Handler", "X-Pattern", "Location"} {
				if got.Header().Get(k) != want.Header().Get(k) {
					t.Errorf("%s %s: %s %q, the mux's %q", method, target, k, got.Header().Get(k), want.Header().Get(k))
				}
			}
			if got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Errorf("%s %s: %d %q, the mux's %d %q", method, target, got.Code, got.Body, want.Code, want.Body)
			}
		}
	}
}
