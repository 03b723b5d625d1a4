package wxapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// jsapiTicketTTL is how long a jsapi_ticket lasts; the same ticket is
// returned until then (pages sign with it, see wxcrypt.JSSDKSignature).
const jsapiTicketTTL = 7200 * time.Second

// GET /cgi-bin/ticket/getticket?access_token=&type=jsapi
func (api *API) getTicket(w http.ResponseWriter, r *http.Request, a *account.Account) error {
	if typ := r.URL.Query().Get("type"); typ != "jsapi" {
		return wxerr.Newf(wxerr.CodeInvalidParameter, "(type must be jsapi)")
	}
	now := api.Clock.Now()
	b := make([]byte, 48)
	rand.Read(b)
	fresh := base64.RawURLEncoding.EncodeToString(b)
	ctx := r.Context()
	if _, err := api.DB.Exec(ctx, `INSERT INTO jsapi_tickets (account_id, ticket, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET ticket = excluded.ticket, expires_at = excluded.expires_at
		WHERE jsapi_tickets.expires_at <= ?`,
		a.ID, fresh, db.Micro(now.Add(jsapiTicketTTL)), db.Micro(now)); err != nil {
		return err
	}
	var ticket string
	var exp int64
	if err := db.Get(api.DB.WriterQueryRow(ctx, `SELECT ticket, expires_at FROM jsapi_tickets WHERE account_id = ?`, a.ID), &ticket, &exp); err != nil {
		return err
	}
	in := int64(db.FromMicro(exp).Sub(now).Round(time.Second) / time.Second)
	wxerr.JSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": in})
	return nil
}
