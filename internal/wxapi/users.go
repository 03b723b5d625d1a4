package wxapi

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// PageSize is the most openids one user/get (and similar) page holds.
const PageSize = 10000

func (api *API) registerUsers() {
	api.handle("/cgi-bin/user/get", capVerified, api.userGet)
	api.handle("/cgi-bin/user/info", capVerified, api.userInfo)
	api.handle("/cgi-bin/user/info/batchget", capVerified, api.userBatchGet)
	api.handle("/cgi-bin/user/info/updateremark", capVerified, api.userRemark)
	api.handle("/cgi-bin/tags/create", capVerified, api.tagCreate)
	api.handle("/cgi-bin/tags/get", capVerified, api.tagGet)
	api.handle("/cgi-bin/tags/update", capVerified, api.tagUpdate)
	api.handle("/cgi-bin/tags/delete", capVerified, api.tagDelete)
	api.handle("/cgi-bin/user/tag/get", capVerified, api.tagUsers)
	api.handle("/cgi-bin/tags/members/batchtagging", capVerified, api.batchTag(true))
	api.handle("/cgi-bin/tags/members/batchuntagging", capVerified, api.batchTag(false))
	api.handle("/cgi-bin/tags/getidlist", capVerified, api.tagIDList)
	api.handle("/cgi-bin/tags/members/getblacklist", capVerified, api.blacklistGet)
	api.handle("/cgi-bin/tags/members/batchblacklist", capVerified, api.blacklist(true))
	api.handle("/cgi-bin/tags/members/batchunblacklist", capVerified, api.blacklist(false))
}

type openidList struct {
	OpenID []string `json:"openid"`
}

type userPage struct {
	Total      *int64      `json:"total,omitempty"`
	Count      int         `json:"count"`
	Data       *openidList `json:"data,omitempty"`
	NextOpenID string      `json:"next_openid"`
}

func page(total *int64, ids []string) userPage {
	p := userPage{Total: total, Count: len(ids)}
	if len(ids) > 0 {
		p.Data = &openidList{OpenID: ids}
		p.NextOpenID = ids[len(ids)-1]
	}
	return p
}

func (api *API) openids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := api.DB.Query(ctx, query, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
}

// GET /cgi-bin/user/get?next_openid=: followers ordered by openid, 10000 a
// page; next_openid is the last of the page.
func (api *API) userGet(c *call) error {
	ids, err := api.openids(c.r.Context(), `SELECT openid FROM follows WHERE account_id = ? AND following = TRUE AND openid > ?
		ORDER BY openid LIMIT ?`, c.account.ID, c.query("next_openid"), PageSize)
	if err != nil {
		return err
	}
	var total int64
	if err := db.Get(api.DB.QueryRow(c.r.Context(), `SELECT follower_count FROM accounts WHERE id = ?`, c.account.ID), &total); err != nil {
		return err
	}
	return c.json(page(&total, ids))
}

var scenes = map[string]string{
	follow.SourceSearch:  "ADD_SCENE_SEARCH",
	follow.SourceProfile: "ADD_SCENE_PROFILE_CARD",
	follow.SourceQR:      "ADD_SCENE_QR_CODE",
	follow.SourceArticle: "ADD_SCENE_PROFILE_ITEM",
	follow.SourceOther:   "ADD_SCENE_OTHERS",
}

type userInfo struct {
	Subscribe      int     `json:"subscribe"`
	OpenID         string  `json:"openid"`
	Language       string  `json:"language,omitempty"`
	SubscribeTime  int64   `json:"subscribe_time,omitempty"`
	Remark         *string `json:"remark,omitempty"`
	GroupID        *int64  `json:"groupid,omitempty"`
	TagIDList      []int64 `json:"tagid_list"`
	SubscribeScene string  `json:"subscribe_scene,omitempty"`
	QRScene        *int64  `json:"qr_scene,omitempty"`
	QRSceneStr     *string `json:"qr_scene_str,omitempty"`
}

func (api *API) info(ctx context.Context, accountID int64, f *follow.Follow) (*userInfo, error) {
	tags, err := api.Audience.TagIDs(ctx, accountID, f.PersonID)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []int64{}
	}
	return infoOf(f, tags), nil
}

func infoOf(f *follow.Follow, tags []int64) *userInfo {
	u := &userInfo{OpenID: f.OpenID, TagIDList: tags}
	if !f.Following {
		return u
	}
	var zero int64
	remark := f.Remark
	u.Subscribe, u.SubscribeTime, u.Remark, u.GroupID = 1, f.SubscribedAt.Unix(), &remark, &zero
	u.Language = "zh_CN"
	u.SubscribeScene = scenes[f.Source]
	if u.SubscribeScene == "" {
		u.SubscribeScene = "ADD_SCENE_OTHERS"
	}
	var qrScene int64
	qrStr := ""
	if f.Source == follow.SourceQR {
		if n, err := strconv.ParseInt(f.Scene, 10, 64); err == nil {
			qrScene = n
		} else {
			qrStr = f.Scene
		}
	}
	u.QRScene, u.QRSceneStr = &qrScene, &qrStr
	return u
}

// userInfoSQL reads a follower and their tag ids in one statement (the
// hot path of user/info), per dialect.
func userInfoSQL(d db.Dialect) string {
	agg := `group_concat(tag_id, ',' ORDER BY created_at, tag_id)`
	if d == db.Postgres {
		agg = `string_agg(CAST(tag_id AS TEXT), ',' ORDER BY created_at, tag_id)`
	}
	return `SELECT f.person_id, f.openid, f.following, f.source, f.scene, f.subscribed_at, f.remark,
		COALESCE((SELECT ` + agg + ` FROM tag_members m WHERE m.account_id = f.account_id AND m.person_id = f.person_id), '')
		FROM follows f WHERE f.account_id = ? AND f.openid = ?`
}

// GET /cgi-bin/user/info?openid=&lang=
func (api *API) userInfo(c *call) error {
	openid := c.query("openid")
	if openid == "" {
		return wxerr.New(41009)
	}
	var f follow.Follow
	var sub int64
	var tags string
	err := api.userInfoStmt.QueryRow(c.r.Context(), c.account.ID, openid).Scan(&f.PersonID, &f.OpenID, &f.Following, &f.Source, &f.Scene, &sub, &f.Remark, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return wxerr.New(wxerr.CodeInvalidOpenID)
	}
	if err != nil {
		return err
	}
	f.SubscribedAt = db.FromMicro(sub)
	ids := []int64{}
	for _, t := range strings.Split(tags, ",") {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	return c.json(infoOf(&f, ids))
}

// POST /cgi-bin/user/info/batchget {"user_list":[{"openid","lang"}]} (≤ 100)
func (api *API) userBatchGet(c *call) error {
	var in struct {
		UserList []struct {
			OpenID string `json:"openid"`
		} `json:"user_list"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if len(in.UserList) == 0 || len(in.UserList) > 100 {
		return wxerr.New(40032)
	}
	out := struct {
		UserInfoList []*userInfo `json:"user_info_list"`
	}{}
	for _, u := range in.UserList {
		f, err := c.follower(u.OpenID)
		if err != nil {
			return err
		}
		info, err := api.info(c.r.Context(), c.account.ID, f)
		if err != nil {
			return err
		}
		out.UserInfoList = append(out.UserInfoList, info)
	}
	return c.json(out)
}

// POST /cgi-bin/user/info/updateremark {"openid","remark"}
func (api *API) userRemark(c *call) error {
	var in struct {
		OpenID string `json:"openid"`
		Remark string `json:"remark"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f, err := c.follower(in.OpenID)
	if err != nil {
		return err
	}
	if err := api.Follows.SetRemark(c.r.Context(), c.account.ID, f.PersonID, in.Remark); err != nil {
		return domainErr(err)
	}
	return c.ok()
}

type tagIn struct {
	Tag struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"tag"`
}

func (t *tagIn) id() (int64, error) {
	n, err := strconv.ParseInt(string(t.Tag.ID), 10, 64)
	if err != nil {
		return 0, wxerr.New(45159)
	}
	return n, nil
}

// POST /cgi-bin/tags/create {"tag":{"name"}}
func (api *API) tagCreate(c *call) error {
	var in tagIn
	if err := c.decode(&in); err != nil {
		return err
	}
	t, err := api.Audience.CreateTag(c.r.Context(), c.account.ID, in.Tag.Name)
	if err != nil {
		return domainErr(err)
	}
	return c.json(struct {
		Tag struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"tag"`
	}{Tag: struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}{t.ID, t.Name}})
}

// GET /cgi-bin/tags/get
func (api *API) tagGet(c *call) error {
	tags, err := api.Audience.Tags(c.r.Context(), c.account.ID)
	if err != nil {
		return err
	}
	if tags == nil {
		tags = []audience.Tag{}
	}
	return c.json(struct {
		Tags []audience.Tag `json:"tags"`
	}{tags})
}

// POST /cgi-bin/tags/update {"tag":{"id","name"}}
func (api *API) tagUpdate(c *call) error {
	var in tagIn
	if err := c.decode(&in); err != nil {
		return err
	}
	id, err := in.id()
	if err != nil {
		return err
	}
	if err := api.Audience.RenameTag(c.r.Context(), c.account.ID, id, in.Tag.Name); err != nil {
		return domainErr(err)
	}
	return c.ok()
}

// POST /cgi-bin/tags/delete {"tag":{"id"}}
func (api *API) tagDelete(c *call) error {
	var in tagIn
	if err := c.decode(&in); err != nil {
		return err
	}
	id, err := in.id()
	if err != nil {
		return err
	}
	if err := api.Audience.DeleteTag(c.r.Context(), c.account.ID, id); err != nil {
		return domainErr(err)
	}
	return c.ok()
}

// POST /cgi-bin/user/tag/get {"tagid","next_openid"}
func (api *API) tagUsers(c *call) error {
	var in struct {
		TagID      flexString `json:"tagid"`
		NextOpenID string     `json:"next_openid"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	id, err := strconv.ParseInt(string(in.TagID), 10, 64)
	if err != nil {
		return wxerr.New(45159)
	}
	if _, err := api.Audience.Tag(c.r.Context(), c.account.ID, id); err != nil {
		return wxerr.New(45159)
	}
	ids, err := api.openids(c.r.Context(), `SELECT f.openid FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
		WHERE m.account_id = ? AND m.tag_id = ? AND f.following = TRUE AND f.openid > ? ORDER BY f.openid LIMIT ?`,
		c.account.ID, id, in.NextOpenID, PageSize)
	if err != nil {
		return err
	}
	return c.json(page(nil, ids))
}

// people resolves an openid_list within the account (40003 for an openid
// that is not the account's).
func (c *call) people(openids []string, max int) ([]int64, error) {
	if len(openids) == 0 || len(openids) > max {
		return nil, wxerr.New(40032)
	}
	out := make([]int64, 0, len(openids))
	for _, o := range openids {
		f, err := c.follower(o)
		if err != nil {
			return nil, err
		}
		out = append(out, f.PersonID)
	}
	return out, nil
}

// POST /cgi-bin/tags/members/batchtagging|batchuntagging {"openid_list","tagid"}
func (api *API) batchTag(add bool) func(c *call) error {
	return func(c *call) error {
		var in struct {
			OpenIDList []string   `json:"openid_list"`
			TagID      flexString `json:"tagid"`
		}
		if err := c.decode(&in); err != nil {
			return err
		}
		id, err := strconv.ParseInt(string(in.TagID), 10, 64)
		if err != nil {
			return wxerr.New(45159)
		}
		people, err := c.people(in.OpenIDList, audience.MaxBatch)
		if err != nil {
			return err
		}
		if add {
			err = api.Audience.TagFollowers(c.r.Context(), c.account.ID, id, people)
		} else {
			err = api.Audience.UntagFollowers(c.r.Context(), c.account.ID, id, people)
		}
		if err != nil {
			return domainErr(err)
		}
		return c.ok()
	}
}

// POST /cgi-bin/tags/getidlist {"openid"}
func (api *API) tagIDList(c *call) error {
	var in struct {
		OpenID string `json:"openid"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f, err := c.follower(in.OpenID)
	if err != nil {
		return err
	}
	ids, err := api.Audience.TagIDs(c.r.Context(), c.account.ID, f.PersonID)
	if err != nil {
		return err
	}
	if ids == nil {
		ids = []int64{}
	}
	return c.json(struct {
		TagIDList []int64 `json:"tagid_list"`
	}{ids})
}

// POST /cgi-bin/tags/members/getblacklist {"begin_openid"}
func (api *API) blacklistGet(c *call) error {
	var in struct {
		BeginOpenID string `json:"begin_openid"`
	}
	if err := c.decode(&in); err != nil && !errors.Is(err, wxerr.New(wxerr.CodeEmptyPostData)) {
		return err
	}
	ids, err := api.openids(c.r.Context(), `SELECT openid FROM follows WHERE account_id = ? AND blocked = TRUE AND openid > ? ORDER BY openid LIMIT ?`,
		c.account.ID, in.BeginOpenID, PageSize)
	if err != nil {
		return err
	}
	var total int64
	if err := db.Get(api.DB.QueryRow(c.r.Context(), `SELECT COUNT(*) FROM follows WHERE account_id = ? AND blocked = TRUE`, c.account.ID), &total); err != nil {
		return err
	}
	return c.json(page(&total, ids))
}

// POST /cgi-bin/tags/members/batchblacklist|batchunblacklist {"openid_list"}
func (api *API) blacklist(block bool) func(c *call) error {
	return func(c *call) error {
		var in struct {
			OpenIDList []string `json:"openid_list"`
		}
		if err := c.decode(&in); err != nil {
			return err
		}
		people, err := c.people(in.OpenIDList, audience.MaxBlacklist)
		if err != nil {
			return err
		}
		if err := api.Audience.SetBlacklisted(c.r.Context(), c.account.ID, people, block); err != nil {
			return domainErr(err)
		}
		return c.ok()
	}
}
