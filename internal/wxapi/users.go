package wxapi

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/jsontext"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// PageSize is the most openids one user/get (and similar) page holds.
const PageSize = 10000

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

	// What the pointers above point to, so that one allocation holds it all.
	remark, qrSceneStr string
	groupID, qrScene   int64
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
	u.remark = f.Remark
	u.Subscribe, u.SubscribeTime, u.Remark, u.GroupID = 1, f.SubscribedAt.Unix(), &u.remark, &u.groupID
	u.Language = "zh_CN"
	u.SubscribeScene = scenes[f.Source]
	if u.SubscribeScene == "" {
		u.SubscribeScene = "ADD_SCENE_OTHERS"
	}
	if f.Source == follow.SourceQR {
		if n, err := strconv.ParseInt(f.Scene, 10, 64); err == nil {
			u.qrScene = n
		} else {
			u.qrSceneStr = f.Scene
		}
	}
	u.QRScene, u.QRSceneStr = &u.qrScene, &u.qrSceneStr
	return u
}

// userInfoSQL reads a follower and their tag ids in one statement (the
// hot path of user/info), per dialect: only the columns the answer shows
// (the openid is the caller's), since the driver copies every column's
// name and value out of SQLite at each run.
func userInfoSQL(d db.Dialect) string {
	agg := `group_concat(tag_id, ',' ORDER BY created_at, tag_id)`
	if d == db.Postgres {
		agg = `string_agg(CAST(tag_id AS TEXT), ',' ORDER BY created_at, tag_id)`
	}
	return `SELECT f.following, f.source, f.scene, f.subscribed_at, f.remark,
		COALESCE((SELECT ` + agg + ` FROM tag_members m WHERE m.account_id = f.account_id AND m.person_id = f.person_id), '')
		FROM follows f WHERE f.account_id = ? AND f.openid = ?`
}

// GET /cgi-bin/user/info?openid=&lang=
func (api *API) userInfo(c *call) error {
	openid := c.query("openid")
	if openid == "" {
		return wxerr.New(41009)
	}
	// The follower stamp and the time are taken before the read: a write that
	// commits after them makes the answer read here invalid (infocache.go).
	gen, at := api.DB.FollowerStamp(c.account.ID, openid), api.infoCache.now()
	if body := api.infoCache.get(c.account.ID, openid, gen, at); body != nil {
		wxerr.JSONBytes(c.w, body)
		return nil
	}
	var sub int64
	var following bool
	var source, scene, remark, tags string
	err := api.userInfoStmt.QueryRow(db.ShortReads(c.r.Context()), c.account.ID, openid).Scan(&following, &source, &scene, &sub, &remark, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return wxerr.New(wxerr.CodeInvalidOpenID)
	}
	if err != nil {
		return err
	}
	body := infoAnswer(openid, following, source, scene, sub, remark, tags)
	api.infoCache.put(c.account.ID, openid, gen, at, body)
	wxerr.JSONBytes(c.w, body)
	return nil
}

// infoAnswer is the user/info answer of a follower from the columns
// userInfoSQL and userInfoBatchSQL read (tags: the tag ids, comma
// separated), in a slice of its own (the cache keeps it).
func infoAnswer(openid string, following bool, source, scene string, sub int64, remark, tags string) []byte {
	f := follow.Follow{OpenID: openid, Following: following, Source: source, Scene: scene, SubscribedAt: db.FromMicro(sub), Remark: remark}
	var buf [32]int64
	ids := buf[:0]
	for tags != "" {
		var t string
		t, tags, _ = strings.Cut(tags, ",")
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	b := infoBuffers.Get().(*[]byte)
	*b = infoOf(&f, ids).appendJSON((*b)[:0])
	body := append([]byte(nil), *b...) // exactly its size
	if cap(*b) <= 4<<10 {
		infoBuffers.Put(b)
	}
	return body
}

// userInfoBatchSQL is userInfoSQL for many followers of one account at
// once (reading ahead, infocache.go): the openids are a JSON array of
// strings (the first argument, the account the second), and each row
// starts with its openid. Each follower is found by its openid (unique),
// so a batch costs its size whatever the account's: with the account's
// condition first, both databases read every follower of the account and
// kept the listed ones (SQLite by the account's index, PostgreSQL by a
// hash join over it). SQLite is told the order with CROSS JOIN;
// PostgreSQL is given the list as an array, whose size it does not know
// when planning (it takes 10) and so looks each one up by the index, in a
// subquery that the account's condition cannot enter (OFFSET 0): where
// the table's statistics do not know the account yet (a table filled since
// its last ANALYZE, as a new account's followers are), PostgreSQL
// otherwise also scanned the account's index, every follower of the
// account, and ANDed the two (1.2 ms for 150 of 10,000 followers instead
// of 0.6 ms).
func userInfoBatchSQL(d db.Dialect) string {
	sel := userInfoSQL(d)
	sel = strings.Replace(sel, "SELECT f.following,", "SELECT f.openid, f.following,", 1)
	if d == db.Postgres {
		return strings.Replace(sel, "FROM follows f WHERE f.account_id = ? AND f.openid = ?",
			"FROM (SELECT * FROM follows WHERE openid = ANY(ARRAY(SELECT json_array_elements_text(CAST(? AS json)))) OFFSET 0) f WHERE f.account_id = ?", 1)
	}
	return strings.Replace(sel, "FROM follows f WHERE f.account_id = ? AND f.openid = ?",
		"FROM json_each(?) AS j CROSS JOIN follows f ON f.openid = j.value WHERE f.account_id = ?", 1)
}

// infoBatch bounds the followers one read-ahead statement reads: what
// infoGather gathers at 10,000 answers a second.
const infoBatch = 1000

// readInfoAhead reads the answers of keys again and caches them (the
// cache's readAhead): one statement per account and infoBatch followers.
// Each follower's stamp, and the time, are taken before the statement, as
// a miss takes them before its read. Followers no longer found are left
// to age out (their next call misses and answers 40003).
func (api *API) readInfoAhead(keys []infoKey) {
	slices.SortFunc(keys, func(a, b infoKey) int { return cmp.Compare(a.account, b.account) })
	for len(keys) > 0 {
		n := 1
		for n < len(keys) && n < infoBatch && keys[n].account == keys[0].account {
			n++
		}
		api.readInfoBatch(keys[0].account, keys[:n])
		keys = keys[n:]
	}
}

func (api *API) readInfoBatch(account int64, keys []infoKey) {
	stamps := make(map[string]db.FollowerStamp, len(keys))
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		stamps[k.openid] = api.DB.FollowerStamp(account, k.openid)
		ids = append(ids, k.openid)
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return
	}
	at := api.infoCache.now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := api.DB.PointQuery(ctx, api.userInfoBatch, string(list), account)
	if err != nil {
		return // they miss when their time is up
	}
	defer rows.Close()
	// The answers are kept together once read (putBatch: each shard's lock
	// taken once), not one lock per answer while calls read the cache.
	puts := make([]infoPut, 0, len(keys))
	for rows.Next() {
		var sub int64
		var following bool
		var openid, source, scene, remark, tags string
		if rows.Scan(&openid, &following, &source, &scene, &sub, &remark, &tags) != nil {
			break
		}
		if gen, ok := stamps[openid]; ok {
			puts = append(puts, infoPut{infoKey{account, openid}, &infoEntry{gen: gen, at: at, body: infoAnswer(openid, following, source, scene, sub, remark, tags)}})
		}
	}
	_ = rows.Close() // the connection back before the answers are kept
	api.infoCache.putBatch(puts)
}

// infoBuffers hold user/info answers while they are written.
var infoBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendJSON appends u as encoding/json writes it (the fields in order,
// the omitempty ones left out when empty), without reflection: user/info
// is the API's hottest read. TestUserInfoJSON holds the two equal.
func (u *userInfo) appendJSON(b []byte) []byte {
	b = append(b, `{"subscribe":`...)
	b = strconv.AppendInt(b, int64(u.Subscribe), 10)
	b = append(b, `,"openid":`...)
	b = jsontext.AppendString(b, u.OpenID)
	if u.Language != "" {
		b = append(b, `,"language":`...)
		b = jsontext.AppendString(b, u.Language)
	}
	if u.SubscribeTime != 0 {
		b = append(b, `,"subscribe_time":`...)
		b = strconv.AppendInt(b, u.SubscribeTime, 10)
	}
	if u.Remark != nil {
		b = append(b, `,"remark":`...)
		b = jsontext.AppendString(b, *u.Remark)
	}
	if u.GroupID != nil {
		b = append(b, `,"groupid":`...)
		b = strconv.AppendInt(b, *u.GroupID, 10)
	}
	b = append(b, `,"tagid_list":`...)
	if u.TagIDList == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range u.TagIDList {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, t, 10)
		}
		b = append(b, ']')
	}
	if u.SubscribeScene != "" {
		b = append(b, `,"subscribe_scene":`...)
		b = jsontext.AppendString(b, u.SubscribeScene)
	}
	if u.QRScene != nil {
		b = append(b, `,"qr_scene":`...)
		b = strconv.AppendInt(b, *u.QRScene, 10)
	}
	if u.QRSceneStr != nil {
		b = append(b, `,"qr_scene_str":`...)
		b = jsontext.AppendString(b, *u.QRSceneStr)
	}
	return append(b, '}')
}

type userListIn struct {
	UserList []struct {
		OpenID string `json:"openid"`
	} `json:"user_list"`
}

// POST /cgi-bin/user/info/batchget {"user_list":[{"openid","lang"}]} (≤ 100)
func (api *API) userBatchGet(ctx context.Context, a *account.Account, in *userListIn) (any, error) {
	if len(in.UserList) == 0 || len(in.UserList) > 100 {
		return nil, wxerr.New(40032)
	}
	out := struct {
		UserInfoList []*userInfo `json:"user_info_list"`
	}{}
	for _, u := range in.UserList {
		f, err := api.follower(ctx, a, u.OpenID)
		if err != nil {
			return nil, err
		}
		info, err := api.info(ctx, a.ID, f)
		if err != nil {
			return nil, err
		}
		out.UserInfoList = append(out.UserInfoList, info)
	}
	return out, nil
}

// openidIn is the body of the endpoints about one follower.
type openidIn struct {
	OpenID string `json:"openid"`
	Remark string `json:"remark"`
}

// POST /cgi-bin/user/info/updateremark {"openid","remark"}
func (api *API) userRemark(ctx context.Context, a *account.Account, in *openidIn) (any, error) {
	f, err := api.follower(ctx, a, in.OpenID)
	if err != nil {
		return nil, err
	}
	return nil, domainErr(api.Follows.SetRemark(ctx, a.ID, f.PersonID, in.Remark))
}

type tagIn struct {
	Tag struct {
		ID   FlexString `json:"id"`
		Name string     `json:"name"`
	} `json:"tag"`
}

func (t *tagIn) id() (int64, error) { return tagID(t.Tag.ID) }

// tagID reads a tag id (45159 when it is not a number).
func tagID(s FlexString) (int64, error) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return 0, wxerr.New(45159)
	}
	return n, nil
}

type tagOut struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// POST /cgi-bin/tags/create {"tag":{"name"}}
func (api *API) tagCreate(ctx context.Context, a *account.Account, in *tagIn) (any, error) {
	t, err := api.Audience.CreateTag(ctx, a.ID, in.Tag.Name)
	if err != nil {
		return nil, domainErr(err)
	}
	return struct {
		Tag tagOut `json:"tag"`
	}{tagOut{t.ID, t.Name}}, nil
}

// GET /cgi-bin/tags/get
func (api *API) tagGet(ctx context.Context, a *account.Account, _ url.Values) (any, error) {
	tags, err := api.Audience.Tags(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []audience.Tag{}
	}
	return struct {
		Tags []audience.Tag `json:"tags"`
	}{tags}, nil
}

// POST /cgi-bin/tags/update {"tag":{"id","name"}}
func (api *API) tagUpdate(ctx context.Context, a *account.Account, in *tagIn) (any, error) {
	id, err := in.id()
	if err != nil {
		return nil, err
	}
	return nil, domainErr(api.Audience.RenameTag(ctx, a.ID, id, in.Tag.Name))
}

// POST /cgi-bin/tags/delete {"tag":{"id"}}
func (api *API) tagDelete(ctx context.Context, a *account.Account, in *tagIn) (any, error) {
	id, err := in.id()
	if err != nil {
		return nil, err
	}
	return nil, domainErr(api.Audience.DeleteTag(ctx, a.ID, id))
}

type tagUsersIn struct {
	TagID      FlexString `json:"tagid"`
	NextOpenID string     `json:"next_openid"`
}

// POST /cgi-bin/user/tag/get {"tagid","next_openid"}
func (api *API) tagUsers(ctx context.Context, a *account.Account, in *tagUsersIn) (any, error) {
	id, err := tagID(in.TagID)
	if err != nil {
		return nil, err
	}
	tag, err := api.Audience.Tag(ctx, a.ID, id)
	if err != nil {
		return nil, wxerr.New(45159)
	}
	ids, err := api.openids(ctx, tagUsersSQL(api.DB.Dialect(), tag.Count, a.FollowerCount, PageSize), a.ID, id, in.NextOpenID, PageSize)
	if err != nil {
		return nil, err
	}
	return page(nil, ids), nil
}

// people resolves an openid_list within the account (40032 for an empty or
// too long list, 40003 for an openid that is not the account's).
func (api *API) people(ctx context.Context, a *account.Account, openids []string, max int) ([]int64, error) {
	if len(openids) == 0 || len(openids) > max {
		return nil, wxerr.New(40032)
	}
	out := make([]int64, 0, len(openids))
	for _, o := range openids {
		f, err := api.follower(ctx, a, o)
		if err != nil {
			return nil, err
		}
		out = append(out, f.PersonID)
	}
	return out, nil
}

type openidListIn struct {
	OpenIDList []string   `json:"openid_list"`
	TagID      FlexString `json:"tagid"`
}

// POST /cgi-bin/tags/members/batchtagging|batchuntagging {"openid_list","tagid"}
func (api *API) batchTag(add bool) Endpoint {
	return JSON(func(ctx context.Context, a *account.Account, in *openidListIn) (any, error) {
		id, err := tagID(in.TagID)
		if err != nil {
			return nil, err
		}
		people, err := api.people(ctx, a, in.OpenIDList, audience.MaxBatch)
		if err != nil {
			return nil, err
		}
		if add {
			err = api.Audience.TagFollowers(ctx, a.ID, id, people)
		} else {
			err = api.Audience.UntagFollowers(ctx, a.ID, id, people)
		}
		return nil, domainErr(err)
	})
}

// POST /cgi-bin/tags/getidlist {"openid"}
func (api *API) tagIDList(ctx context.Context, a *account.Account, in *openidIn) (any, error) {
	f, err := api.follower(ctx, a, in.OpenID)
	if err != nil {
		return nil, err
	}
	ids, err := api.Audience.TagIDs(ctx, a.ID, f.PersonID)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []int64{}
	}
	return struct {
		TagIDList []int64 `json:"tagid_list"`
	}{ids}, nil
}

// POST /cgi-bin/tags/members/getblacklist {"begin_openid"} (an empty body
// reads from the start)
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
func (api *API) blacklist(block bool) Endpoint {
	return JSON(func(ctx context.Context, a *account.Account, in *openidListIn) (any, error) {
		people, err := api.people(ctx, a, in.OpenIDList, audience.MaxBlacklist)
		if err != nil {
			return nil, err
		}
		return nil, domainErr(api.Audience.SetBlacklisted(ctx, a.ID, people, block))
	})
}
