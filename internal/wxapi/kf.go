package wxapi

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/kf"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

type kfInfo struct {
	KfAccount        string `json:"kf_account"`
	KfNick           string `json:"kf_nick"`
	KfID             int64  `json:"kf_id"`
	KfHeadImgURL     string `json:"kf_headimgurl"`
	KfWX             string `json:"kf_wx,omitempty"`
	InviteWX         string `json:"invite_wx,omitempty"`
	InviteExpireTime int64  `json:"invite_expire_time,omitempty"`
	InviteStatus     string `json:"invite_status,omitempty"`
}

// GET /cgi-bin/customservice/getkflist
func (api *API) kfList(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	ks, err := api.Kf.List(ctx, a)
	if err != nil {
		return nil, err
	}
	now := api.Clock.Now()
	out := make([]kfInfo, 0, len(ks))
	for _, k := range ks {
		in := kfInfo{KfAccount: k.Full(a), KfNick: k.Nickname, KfID: k.KfID, KfWX: k.Username}
		if k.HeadMediaID != "" {
			in.KfHeadImgURL = api.pictureURL(k.HeadMediaID)
		}
		if st := k.InviteStatus(now); st != "" {
			in.InviteWX, in.InviteExpireTime, in.InviteStatus = k.InviteWX, k.InviteExpiresAt.Unix(), st
		}
		out = append(out, in)
	}
	return map[string]any{"kf_list": out}, nil
}

// GET /cgi-bin/customservice/getonlinekflist: bound kf accounts whose
// member was seen in the console within the last 30 minutes (status 1,
// web).
func (api *API) kfOnlineList(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	on, err := api.Kf.Online(ctx, a)
	if err != nil {
		return nil, err
	}
	type row struct {
		KfAccount    string `json:"kf_account"`
		Status       int    `json:"status"`
		KfID         int64  `json:"kf_id"`
		AcceptedCase int    `json:"accepted_case"`
	}
	out := Map(on, func(o kf.Online) row {
		return row{KfAccount: o.Full(a), Status: 1, KfID: o.KfID, AcceptedCase: o.AcceptedCases}
	})
	return map[string]any{"kf_online_list": out}, nil
}

type kfBody struct {
	KfAccount string `json:"kf_account"`
	Nickname  string `json:"nickname"`
	InviteWX  string `json:"invite_wx"`
	OpenID    string `json:"openid"`
}

// POST /customservice/kfaccount/add {"kf_account","nickname"}
func (api *API) kfAdd(ctx context.Context, a *account.Account, in *kfBody) (any, error) {
	_, err := api.Kf.Add(ctx, a, in.KfAccount, in.Nickname)
	return nil, err
}

// POST /customservice/kfaccount/update {"kf_account","nickname"}
func (api *API) kfUpdate(ctx context.Context, a *account.Account, in *kfBody) (any, error) {
	return nil, api.Kf.Update(ctx, a, in.KfAccount, in.Nickname)
}

// GET /customservice/kfaccount/del?kf_account= (the docs) or POST
// {"kf_account"} (as silenceper sends it).
func (api *API) kfDel(c *call) error {
	name := c.query("kf_account")
	if name == "" {
		var in kfBody
		if err := c.decode(&in); err != nil {
			return err
		}
		name = in.KfAccount
	}
	if err := api.Kf.Delete(c.r.Context(), c.account, name); err != nil {
		return err
	}
	return c.ok()
}

// POST /customservice/kfaccount/inviteworker {"kf_account","invite_wx"}:
// invite_wx is a Herald username.
func (api *API) kfInvite(ctx context.Context, a *account.Account, in *kfBody) (any, error) {
	return nil, api.Kf.Invite(ctx, a, in.KfAccount, in.InviteWX)
}

// POST /customservice/kfaccount/uploadheadimg?kf_account=, multipart
// "media" (JPEG or PNG up to 5 MB; 61457 for other types).
func (api *API) kfUploadHead(c *call) error {
	ctx := c.r.Context()
	if _, err := api.Kf.Get(ctx, c.account, c.query("kf_account")); err != nil {
		return err
	}
	kind := media.Kind{Name: "image", Types: []string{"image/jpeg", "image/png"}, MaxBytes: 5 << 20}
	b, _, _, err := c.upload(kind, 40009)
	if errors.Is(err, wxerr.New(40005)) {
		return wxerr.New(61457)
	}
	if err != nil {
		return err
	}
	saved, err := media.Save(ctx, api.Media, "api/kf", kind, bytes.NewReader(b))
	if err != nil {
		return wxerr.New(61457)
	}
	it, err := api.TempMedia.AddFor(ctx, c.account.ID, tempmedia.Image, saved.Key, saved.ContentType, saved.Size, uploadImgTTL)
	if err != nil {
		return err
	}
	if err := api.Kf.SetHead(ctx, c.account, c.query("kf_account"), it.MediaID); err != nil {
		return err
	}
	return c.ok()
}

// POST /customservice/kfsession/create {"kf_account","openid"}
func (api *API) kfSessionCreate(ctx context.Context, a *account.Account, in *kfBody) (any, error) {
	f, err := api.follower(ctx, a, in.OpenID)
	if err != nil {
		return nil, err
	}
	return nil, api.Kf.CreateSession(ctx, a, in.KfAccount, f.PersonID)
}

// POST /customservice/kfsession/close {"kf_account","openid"}
func (api *API) kfSessionClose(ctx context.Context, a *account.Account, in *kfBody) (any, error) {
	f, err := api.follower(ctx, a, in.OpenID)
	if err != nil {
		return nil, err
	}
	return nil, api.Kf.CloseSession(ctx, a, in.KfAccount, f.PersonID)
}

// GET /customservice/kfsession/getsession?openid=
func (api *API) kfSessionGet(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	f, err := api.follower(ctx, a, q.Get("openid"))
	if err != nil {
		return nil, err
	}
	name, start, err := api.Kf.Session(ctx, a, f.PersonID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"createtime": unixOrZero(start), "kf_account": name}, nil
}

// unixOrZero is t in Unix seconds, 0 for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// GET /customservice/kfsession/getsessionlist?kf_account=
func (api *API) kfSessionList(ctx context.Context, a *account.Account, q url.Values) (any, error) {
	rows, err := api.Kf.Sessions(ctx, a, q.Get("kf_account"))
	if err != nil {
		return nil, err
	}
	type row struct {
		CreateTime int64  `json:"createtime"`
		OpenID     string `json:"openid"`
	}
	out := Map(rows, func(r kf.SessionRow) row {
		return row{CreateTime: unixOrZero(r.At), OpenID: r.OpenID}
	})
	return map[string]any{"sessionlist": out}, nil
}

// GET /customservice/kfsession/getwaitcase
func (api *API) kfWaitCase(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	n, rows, err := api.Kf.WaitCases(ctx, a)
	if err != nil {
		return nil, err
	}
	type row struct {
		LatestTime int64  `json:"latest_time"`
		OpenID     string `json:"openid"`
	}
	out := Map(rows, func(r kf.SessionRow) row {
		return row{LatestTime: r.At.Unix(), OpenID: r.OpenID}
	})
	return map[string]any{"count": n, "waitcaselist": out}, nil
}
