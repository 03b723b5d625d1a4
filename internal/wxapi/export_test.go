package wxapi

import "time"

// InfoCached reports whether api holds a user/info answer for the openid
// that it would serve now.
func InfoCached(api *API, accountID int64, openid string) bool {
	api.init()
	return api.infoCache.get(accountID, openid, api.DB.FollowerStamp(accountID, openid), api.infoCache.now()) != nil
}

// FreezeInfoClock stops the clock of api's user/info cache, so that its
// answers never age out during a test (whose steps may take more than the
// cache's 2 s bound on a loaded machine).
func FreezeInfoClock(api *API) {
	api.init()
	t := api.infoCache.now()
	api.infoCache.now = func() time.Time { return t }
}

// SetInfoClock makes now the clock of api's user/info cache.
func SetInfoClock(api *API, now func() time.Time) {
	api.init()
	api.infoCache.now = now
}

// InfoReadAt returns when api's cached user/info answer for the openid was
// read (the zero time when none is kept).
func InfoReadAt(api *API, accountID int64, openid string) time.Time {
	api.init()
	k := infoKey{accountID, openid}
	s := api.infoCache.shard(k)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.m[k]; e != nil {
		return e.at
	}
	return time.Time{}
}

// UserInfoBatchSQL returns the statement api reads user/info answers ahead
// with (arguments: a JSON array of openids, then the account).
func UserInfoBatchSQL(api *API) string {
	api.init()
	return api.userInfoBatch
}

// SetAccountClock makes now the clock of api's account cache.
func SetAccountClock(api *API, now func() time.Time) {
	api.init()
	api.mu.Lock()
	api.now = now
	api.mu.Unlock()
}

// AccountLoadedAt returns when api's cached state of the account was read
// (the zero time when none is kept).
func AccountLoadedAt(api *API, accountID int64) time.Time {
	api.init()
	api.mu.RLock()
	defer api.mu.RUnlock()
	if e := api.accounts[accountID]; e != nil {
		return e.loadedAt
	}
	return time.Time{}
}

// SetBeforeAccountKept makes f run between an account load's reads and
// its keeping the entry.
func SetBeforeAccountKept(api *API, f func()) {
	api.init()
	api.mu.Lock()
	api.beforeKeep = f
	api.mu.Unlock()
}
