package wxapi

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/media"
)

// Capability is what an endpoint needs from the calling account, checked
// after the token (48001 api unauthorized when missing).
type Capability = capability

// Capabilities (§19 of the protocol notes).
const (
	CapBasic           = capBasic    // every account
	CapMenu            = capMenu     // all but unverified Subscription accounts
	CapVerified        = capVerified // verified accounts
	CapQRCode          = capQR       // verified Service accounts
	CapConditionalMenu = capCondMenu // verified accounts
)

// Endpoint serves one authenticated API call for account a (the token's
// own account, already checked: active, not frozen, allowed, within
// quota). Return a *wxerr.Error (or an error with a WXCode() int method)
// for WeChat's error body; write success with wxerr.JSON or wxerr.OK. The
// adapters JSON, Query and Request write an endpoint from a plain function.
type Endpoint func(w http.ResponseWriter, r *http.Request, a *account.Account) error

// Register adds an endpoint at path (for example /datacube/getusersummary)
// from another feature. Call it before serving. The daily quota of path
// is counted only when apitoken.DailyLimits lists it.
func (api *API) Register(path string, need Capability, fn Endpoint) {
	api.init()
	api.handle(path, need, fn.serve)
}

// ReadUpload reads the multipart field "media" of an API upload and checks
// it against kind, as media/upload does: 41005 when the field is missing,
// 44001 when the file is empty, 40005 when its content is not one of
// kind.Types, sizeCode when it is larger than kind.MaxBytes. It returns the
// bytes, the sniffed content type and the uploaded file name.
func ReadUpload(w http.ResponseWriter, r *http.Request, kind media.Kind, sizeCode int) (data []byte, contentType, filename string, err error) {
	c := &call{w: w, r: r}
	return c.upload(kind, sizeCode)
}

// SizeCode is WeChat's "invalid size" errcode for a media type (image 40009,
// voice 40010, video 40011, thumb 40012).
func SizeCode(typ string) int { return sizeCodes[typ] }
