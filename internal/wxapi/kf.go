package wxapi

import (
	"bytes"
	"errors"

	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Customer-service (kf) accounts and sessions, on the inbox (internal/kf).
func (api *API) registerKf() {
	if api.Kf == nil {
		return
	}
	api.handle("/cgi-bin/customservice/getkflist", capVerified, api.kfList)
	api.handle("/cgi-bin/customservice/getonlinekflist", capVerified, api.kfOnlineList)
	api.handle("/customservice/kfaccount/add", capVerified, api.kfAdd)
	api.handle("/customservice/kfaccount/update", capVerified, api.kfUpdate)
	api.handle("/customservice/kfaccount/del", capVerified, api.kfDel)
	api.handle("/customservice/kfaccount/inviteworker", capVerified, api.kfInvite)
	api.handle("/customservice/kfaccount/uploadheadimg", capVerified, api.kfUploadHead)
	api.handle("/customservice/kfsession/create", capVerified, api.kfSessionCreate)
	api.handle("/customservice/kfsession/close", capVerified, api.kfSessionClose)
	api.handle("/customservice/kfsession/getsession", capVerified, api.kfSessionGet)
	api.handle("/customservice/kfsession/getsessionlist", capVerified, api.kfSessionList)
	api.handle("/customservice/kfsession/getwaitcase", capVerified, api.kfWaitCase)
}

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
func (api *API) kfList(c *call) error {
	ks, err := api.Kf.List(c.r.Context(), c.account)
	if err != nil {
		return err
	}
	now := api.Clock.Now()
	out := make([]kfInfo, 0, len(ks))
	for _, k := range ks {
		in := kfInfo{KfAccount: k.Full(c.account), KfNick: k.Nickname, KfID: k.KfID, KfWX: k.Username}
		if k.HeadMediaID != "" {
			in.KfHeadImgURL = api.pictureURL(k.HeadMediaID)
		}
		if st := k.InviteStatus(now); st != "" {
			in.InviteWX, in.InviteExpireTime, in.InviteStatus = k.InviteWX, k.InviteExpiresAt.Unix(), st
		}
		out = append(out, in)
	}
	return c.json(map[string]any{"kf_list": out})
}

// GET /cgi-bin/customservice/getonlinekflist: bound kf accounts whose
// member was seen in the console within the last 30 minutes (status 1,
// web).
func (api *API) kfOnlineList(c *call) error {
	on, err := api.Kf.Online(c.r.Context(), c.account)
	if err != nil {
		return err
	}
	type row struct {
		KfAccount    string `json:"kf_account"`
		Status       int    `json:"status"`
		KfID         int64  `json:"kf_id"`
		AcceptedCase int    `json:"accepted_case"`
	}
	out := make([]row, 0, len(on))
	for _, o := range on {
		out = append(out, row{KfAccount: o.Full(c.account), Status: 1, KfID: o.KfID, AcceptedCase: o.AcceptedCases})
	}
	return c.json(map[string]any{"kf_online_list": out})
}

type kfBody struct {
	KfAccount string `json:"kf_account"`
	Nickname  string `json:"nickname"`
	InviteWX  string `json:"invite_wx"`
	OpenID    string `json:"openid"`
}

// POST /customservice/kfaccount/add {"kf_account","nickname"}
func (api *API) kfAdd(c *call) error {
	var in kfBody
	if err := c.decode(&in); err != nil {
		return err
	}
	if _, err := api.Kf.Add(c.r.Context(), c.account, in.KfAccount, in.Nickname); err != nil {
		return err
	}
	return c.ok()
}

// POST /customservice/kfaccount/update {"kf_account","nickname"}
func (api *API) kfUpdate(c *call) error {
	var in kfBody
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := api.Kf.Update(c.r.Context(), c.account, in.KfAccount, in.Nickname); err != nil {
		return err
	}
	return c.ok()
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
func (api *API) kfInvite(c *call) error {
	var in kfBody
	if err := c.decode(&in); err != nil {
		return err
	}
	if err := api.Kf.Invite(c.r.Context(), c.account, in.KfAccount, in.InviteWX); err != nil {
		return err
	}
	return c.ok()
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

func (api *API) kfSession(c *call, close bool) error {
	var in kfBody
	if err := c.decode(&in); err != nil {
		return err
	}
	f, err := c.follower(in.OpenID)
	if err != nil {
		return err
	}
	if close {
		err = api.Kf.CloseSession(c.r.Context(), c.account, in.KfAccount, f.PersonID)
	} else {
		err = api.Kf.CreateSession(c.r.Context(), c.account, in.KfAccount, f.PersonID)
	}
	if err != nil {
		return err
	}
	return c.ok()
}

// POST /customservice/kfsession/create {"kf_account","openid"}
func (api *API) kfSessionCreate(c *call) error { return api.kfSession(c, false) }

// POST /customservice/kfsession/close {"kf_account","openid"}
func (api *API) kfSessionClose(c *call) error { return api.kfSession(c, true) }

// GET /customservice/kfsession/getsession?openid=
func (api *API) kfSessionGet(c *call) error {
	f, err := c.follower(c.query("openid"))
	if err != nil {
		return err
	}
	name, start, err := api.Kf.Session(c.r.Context(), c.account, f.PersonID)
	if err != nil {
		return err
	}
	var ct int64
	if !start.IsZero() {
		ct = start.Unix()
	}
	return c.json(map[string]any{"createtime": ct, "kf_account": name})
}

// GET /customservice/kfsession/getsessionlist?kf_account=
func (api *API) kfSessionList(c *call) error {
	rows, err := api.Kf.Sessions(c.r.Context(), c.account, c.query("kf_account"))
	if err != nil {
		return err
	}
	type row struct {
		CreateTime int64  `json:"createtime"`
		OpenID     string `json:"openid"`
	}
	out := make([]row, 0, len(rows))
	for _, r := range rows {
		var t int64
		if !r.At.IsZero() {
			t = r.At.Unix()
		}
		out = append(out, row{CreateTime: t, OpenID: r.OpenID})
	}
	return c.json(map[string]any{"sessionlist": out})
}

// GET /customservice/kfsession/getwaitcase
func (api *API) kfWaitCase(c *call) error {
	n, rows, err := api.Kf.WaitCases(c.r.Context(), c.account)
	if err != nil {
		return err
	}
	type row struct {
		LatestTime int64  `json:"latest_time"`
		OpenID     string `json:"openid"`
	}
	out := make([]row, 0, len(rows))
	for _, r := range rows {
		out = append(out, row{LatestTime: r.At.Unix(), OpenID: r.OpenID})
	}
	return c.json(map[string]any{"count": n, "waitcaselist": out})
}
