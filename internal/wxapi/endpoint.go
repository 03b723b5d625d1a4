package wxapi

import (
	"context"
	"mime"
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// The shapes below are the one way to write an endpoint: a function of the
// request's context, the calling account and its input that returns the
// payload to answer with. The adapters do the rest, the same for every
// endpoint: decode the input (44002 for an empty body, 47001 for one that is
// not JSON of the input's shape), call, then write the payload, or
// {"errcode":0,"errmsg":"ok"} when the payload is nil, or the file itself
// when it is an *Attachment; an error becomes
// WeChat's {"errcode","errmsg"} (a *wxerr.Error, or an error with a
// WXCode() int method; anything else is -1 and logged).

// JSON adapts an endpoint that reads a JSON body of type In (up to 1 MiB).
func JSON[In any](fn func(ctx context.Context, a *account.Account, in *In) (any, error)) Endpoint {
	return JSONUpTo(maxBody, fn)
}

// JSONUpTo is JSON for a body of up to limit bytes (47001 beyond).
func JSONUpTo[In any](limit int64, fn func(ctx context.Context, a *account.Account, in *In) (any, error)) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		var in In
		if err := decodeJSON(w, r, &in, limit); err != nil {
			return err
		}
		return reply(w, r)(fn(r.Context(), a, &in))
	}
}

// Query adapts an endpoint that reads only the query string.
func Query(fn func(ctx context.Context, a *account.Account, q url.Values) (any, error)) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return reply(w, r)(fn(r.Context(), a, r.URL.Query()))
	}
}

// Request adapts an endpoint that reads the request itself (a body that is
// optional, multipart or of its own size limit).
func Request(fn func(r *http.Request, a *account.Account) (any, error)) Endpoint {
	return func(w http.ResponseWriter, r *http.Request, a *account.Account) error {
		return reply(w, r)(fn(r, a))
	}
}

// Attachment is a payload answered with a stored file instead of JSON
// (media/get, get_material): downloaded under Name.
type Attachment struct {
	Store       media.Store
	Key         string
	ContentType string
	Name        string
}

// reply writes an endpoint's payload: nil is {"errcode":0,"errmsg":"ok"}.
func reply(w http.ResponseWriter, r *http.Request) func(out any, err error) error {
	return func(out any, err error) error {
		if err != nil {
			return err
		}
		switch out := out.(type) {
		case nil:
			wxerr.OK(w)
		case *Attachment:
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": out.Name}))
			return media.Serve(w, r, out.Store, out.Key, out.ContentType)
		default:
			wxerr.JSON(w, out)
		}
		return nil
	}
}

// Map returns f of each element of in, in order: the rows of a list
// payload (never nil, so that an empty list is [] rather than null).
func Map[T, R any](in []T, f func(T) R) []R {
	out := make([]R, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// serve runs an Endpoint as one of the API's own routes.
func (e Endpoint) serve(c *call) error { return e(c.w, c.r, c.account) }
