package wxapi

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
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
// for WeChat's error body; write success with wxerr.JSON or wxerr.OK.
type Endpoint func(w http.ResponseWriter, r *http.Request, a *account.Account) error

// Register adds an endpoint at path (for example /datacube/getusersummary)
// from another feature. Call it before serving. The daily quota of path
// is counted only when apitoken.DailyLimits lists it.
func (api *API) Register(path string, need Capability, fn Endpoint) {
	api.init()
	api.handle(path, need, func(c *call) error { return fn(c.w, c.r, c.account) })
}
