package wxapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// The adapters decode, call and answer the same way for every endpoint.
func TestEndpointAdapters(t *testing.T) {
	type in struct {
		Name string `json:"name"`
	}
	echo := JSON(func(ctx context.Context, a *account.Account, in *in) (any, error) {
		switch in.Name {
		case "":
			return nil, nil
		case "bad":
			return nil, wxerr.New(40035)
		}
		return map[string]string{"hello": in.Name + "@" + a.OriginalID}, nil
	})
	small := JSONUpTo(16, func(ctx context.Context, a *account.Account, in *in) (any, error) { return nil, nil })
	query := Query(func(ctx context.Context, a *account.Account, q url.Values) (any, error) {
		return map[string]string{"id": q.Get("id")}, nil
	})
	a := &account.Account{OriginalID: "gh_1"}
	call := func(e Endpoint, target, body string) (string, error) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		err := e(w, r, a)
		return strings.TrimSpace(w.Body.String()), err
	}
	for _, tc := range []struct {
		e          Endpoint
		target     string
		body, want string
		code       int
	}{
		{echo, "/x", `{"name":"mei"}`, `{"hello":"mei@gh_1"}`, 0},
		{echo, "/x", `{}`, `{"errcode":0,"errmsg":"ok"}`, 0},
		{echo, "/x", ``, ``, wxerr.CodeEmptyPostData},
		{echo, "/x", `  `, ``, wxerr.CodeEmptyPostData},
		{echo, "/x", `{"name":1}`, ``, wxerr.CodeDataFormatError},
		{echo, "/x", `{"name":"bad"}`, ``, 40035},
		{small, "/x", `{"name":"a longer name"}`, ``, wxerr.CodeDataFormatError},
		{query, "/x?id=7", ``, `{"id":"7"}`, 0},
	} {
		got, err := call(tc.e, tc.target, tc.body)
		var we *wxerr.Error
		switch {
		case tc.code != 0 && (!errors.As(err, &we) || we.Code != tc.code):
			t.Errorf("%s %q: error %v, want errcode %d", tc.target, tc.body, err, tc.code)
		case tc.code == 0 && (err != nil || got != tc.want):
			t.Errorf("%s %q: %s %v, want %s", tc.target, tc.body, got, err, tc.want)
		}
	}
}
