package wxapi

// InfoCached reports whether api holds a user/info answer for the openid
// that it would serve now.
func InfoCached(api *API, accountID int64, openid string) bool {
	api.init()
	return api.infoCache.get(accountID, openid, api.DB.FollowerGeneration(), api.infoCache.now()) != nil
}
