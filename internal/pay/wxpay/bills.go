package wxpay

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
)

// BillDownloadTTL is how long a download_url works (WeChat Pay: 5 minutes).
const BillDownloadTTL = 5 * time.Minute

// The download_url carries a token: the bill's id and the URL's expiry,
// signed with a key derived from Herald's boot secret, so any node sharing
// the secret and the database serves it and nobody can forge one.
func (a *API) tokenKey() []byte {
	h := sha256.Sum256(append([]byte("herald-pay-bill-download\x00"), a.Keys.Secret...))
	return h[:]
}

// BillToken returns a download token for a bill, valid until exp.
func (a *API) BillToken(billID int64, exp time.Time) string {
	raw := make([]byte, 16, 32)
	binary.BigEndian.PutUint64(raw, uint64(billID))
	binary.BigEndian.PutUint64(raw[8:], uint64(exp.Unix()))
	mac := hmac.New(sha256.New, a.tokenKey())
	mac.Write(raw)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(raw)[:32])
}

// ParseBillToken checks a token's signature and returns the bill id and
// expiry it names.
func (a *API) ParseBillToken(tok string) (billID int64, exp time.Time, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		return 0, time.Time{}, false
	}
	mac := hmac.New(sha256.New, a.tokenKey())
	mac.Write(raw[:16])
	if !hmac.Equal(mac.Sum(nil)[:16], raw[16:]) {
		return 0, time.Time{}, false
	}
	return int64(binary.BigEndian.Uint64(raw)), time.Unix(int64(binary.BigEndian.Uint64(raw[8:])), 0), true
}

// billAnswer is what tradebill and fundflowbill answer.
type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// rawBody is a handler's answer written as it is, unsigned (the bill
// download: WeChat Pay does not sign it, and clients skip verifying it).
type rawBody struct {
	ContentType string
	Data        []byte
}

func (a *API) applyBill(kind, typeParam string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
		q := r.URL.Query()
		tar := q.Get("tar_type")
		if tar != "" && tar != "GZIP" {
			return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "tar_type must be GZIP or left out.")
		}
		if q.Get("bill_date") == "" {
			return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "bill_date is required (YYYY-MM-DD).")
		}
		b, err := a.Pay.Bill(r.Context(), c.acct, pay.BillRequest{Kind: kind, Date: q.Get("bill_date"), Type: q.Get(typeParam), API: true})
		if err != nil {
			return 0, nil, billError(err)
		}
		u := a.BaseURL + "/v3/billdownload/file?token=" + url.QueryEscape(a.BillToken(b.ID, a.Clock.Now().Add(BillDownloadTTL)))
		if tar == "GZIP" {
			u += "&tartype=gzip"
		}
		return http.StatusOK, billAnswer{HashType: "SHA1", HashValue: b.SHA1, DownloadURL: u}, nil
	}
}

// billError maps bill errors to WeChat Pay's codes.
func billError(err error) error {
	switch {
	case errors.Is(err, pay.ErrNoStatement):
		return fail(http.StatusBadRequest, "NO_STATEMENT_EXIST", "请求的账单文件不存在")
	case errors.Is(err, pay.ErrStatementCreating):
		return fail(http.StatusBadRequest, "STATEMENT_CREATING", "账单生成中")
	case errs.KindOf(err) == errs.KindInvalid:
		return fail(http.StatusBadRequest, "PARAM_ERROR", "%s", errs.Message(err))
	}
	return err
}

// downloadBill serves /v3/billdownload/file: a signed request like any
// other, answered with the bill itself (gzip with tartype=gzip), unsigned.
func (a *API) downloadBill(w http.ResponseWriter, r *http.Request, c *merchantCall) (int, any, error) {
	q := r.URL.Query()
	billID, exp, ok := a.ParseBillToken(q.Get("token"))
	if !ok {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "The token is not a download token from tradebill or fundflowbill.")
	}
	if a.Clock.Now().After(exp) {
		return 0, nil, fail(http.StatusBadRequest, "INVALID_REQUEST", "The download_url has expired (it works for 5 minutes); apply for the bill again.")
	}
	b, err := a.Pay.StoredBill(r.Context(), c.acct.ID, billID)
	if errors.Is(err, errs.NotFound) {
		return 0, nil, fail(http.StatusBadRequest, "PARAM_ERROR", "The token is not a download token from tradebill or fundflowbill.")
	}
	if err != nil {
		return 0, nil, err
	}
	if strings.EqualFold(q.Get("tartype"), "gzip") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b.Content)
		if err := zw.Close(); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, rawBody{ContentType: "application/octet-stream", Data: buf.Bytes()}, nil
	}
	return http.StatusOK, rawBody{ContentType: "text/plain; charset=utf-8", Data: b.Content}, nil
}
