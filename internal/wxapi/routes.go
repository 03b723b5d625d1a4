package wxapi

// registerAll lists the API's own endpoints: path, what the calling account
// needs, and the function that serves it (most through the JSON, Query and
// Request adapters). Features outside this package add theirs with Register.
func (api *API) registerAll() {
	// Access tokens, quotas and Herald's addresses.
	api.handle("/cgi-bin/token", capBasic, api.token).noToken = true
	api.handle("/cgi-bin/stable_token", capBasic, api.stableToken).noToken = true
	api.handle("/cgi-bin/clear_quota", capBasic, api.clearQuota)
	api.handle("/cgi-bin/clear_quota/v2", capBasic, api.clearQuotaV2).noToken = true
	api.handle("/cgi-bin/openapi/quota/get", capBasic, api.quotaGet)
	api.handle("/cgi-bin/openapi/quota/clear", capBasic, api.quotaClear)
	api.handle("/cgi-bin/getcallbackip", capBasic, api.ipList)
	api.handle("/cgi-bin/get_api_domain_ip", capBasic, api.ipList)
	// Menus (internal/menu) and the auto-reply settings.
	api.handle("/cgi-bin/menu/create", capMenu, JSON(api.menuCreate).serve)
	api.handle("/cgi-bin/menu/get", capMenu, Query(api.menuGet).serve)
	api.handle("/cgi-bin/menu/delete", capMenu, Query(api.menuDelete).serve)
	api.handle("/cgi-bin/get_current_selfmenu_info", capBasic, Query(api.selfMenuInfo).serve)
	api.handle("/cgi-bin/menu/addconditional", capCondMenu, JSON(api.menuAddConditional).serve)
	api.handle("/cgi-bin/menu/delconditional", capCondMenu, JSON(api.menuDelConditional).serve)
	api.handle("/cgi-bin/menu/trymatch", capCondMenu, JSON(api.menuTryMatch).serve)
	api.handle("/cgi-bin/get_current_autoreply_info", capBasic, Query(api.autoReplyInfo).serve)
	// Customer-service messages into the follower's chat.
	api.handle("/cgi-bin/message/custom/send", capVerified, JSON(api.customSend).serve)
	api.handle("/cgi-bin/message/custom/typing", capVerified, JSON(api.customTyping).serve)
	// Followers, remarks, tags and the blacklist.
	api.handle("/cgi-bin/user/get", capVerified, api.userGet)
	api.handle("/cgi-bin/user/info", capVerified, api.userInfo)
	api.handle("/cgi-bin/user/info/batchget", capVerified, JSON(api.userBatchGet).serve)
	api.handle("/cgi-bin/user/info/updateremark", capVerified, JSON(api.userRemark).serve)
	api.handle("/cgi-bin/tags/create", capVerified, JSON(api.tagCreate).serve)
	api.handle("/cgi-bin/tags/get", capVerified, Query(api.tagGet).serve)
	api.handle("/cgi-bin/tags/update", capVerified, JSON(api.tagUpdate).serve)
	api.handle("/cgi-bin/tags/delete", capVerified, JSON(api.tagDelete).serve)
	api.handle("/cgi-bin/user/tag/get", capVerified, JSON(api.tagUsers).serve)
	api.handle("/cgi-bin/tags/members/batchtagging", capVerified, api.batchTag(true).serve)
	api.handle("/cgi-bin/tags/members/batchuntagging", capVerified, api.batchTag(false).serve)
	api.handle("/cgi-bin/tags/getidlist", capVerified, JSON(api.tagIDList).serve)
	api.handle("/cgi-bin/tags/members/getblacklist", capVerified, api.blacklistGet)
	api.handle("/cgi-bin/tags/members/batchblacklist", capVerified, api.blacklist(true).serve)
	api.handle("/cgi-bin/tags/members/batchunblacklist", capVerified, api.blacklist(false).serve)
	// Temporary media (internal/tempmedia).
	api.handle("/cgi-bin/media/upload", capBasic, api.mediaUpload)
	api.handle("/cgi-bin/media/get", capBasic, api.mediaGet)
	api.handle("/cgi-bin/media/uploadimg", capBasic, api.mediaUploadImg)
	// Public picture address of temporary media and uploadimg images (the
	// media_id is an unguessable capability, like WeChat's mmbiz URLs).
	api.handle("/cgi-bin/media/pic", capBasic, api.mediaPic).noToken = true
	// QR codes with scenes (internal/qrcode).
	api.handle("/cgi-bin/qrcode/create", capQR, JSON(api.qrCreate).serve)
	api.handle("/cgi-bin/showqrcode", capBasic, api.showQR).noToken = true
	// JS-SDK tickets.
	api.handle("/cgi-bin/ticket/getticket", capBasic, func(c *call) error { return api.getTicket(c.w, c.r, c.account) })
	// Web sign-in (OAuth 2.0) for followers.
	api.handle("/sns/oauth2/access_token", capBasic, api.oauthAccessToken).noToken = true
	api.handle("/sns/oauth2/refresh_token", capBasic, api.oauthRefresh).noToken = true
	api.handle("/sns/userinfo", capBasic, api.snsUserInfo).noToken = true
	api.handle("/sns/auth", capBasic, api.snsAuth).noToken = true
	api.handle("/sns/headimg", capBasic, api.snsHeadImg).noToken = true
	// Customer-service (kf) accounts and sessions, on the inbox (internal/kf).
	if api.Kf != nil {
		api.handle("/cgi-bin/customservice/getkflist", capVerified, Query(api.kfList).serve)
		api.handle("/cgi-bin/customservice/getonlinekflist", capVerified, Query(api.kfOnlineList).serve)
		api.handle("/customservice/kfaccount/add", capVerified, JSON(api.kfAdd).serve)
		api.handle("/customservice/kfaccount/update", capVerified, JSON(api.kfUpdate).serve)
		api.handle("/customservice/kfaccount/del", capVerified, api.kfDel)
		api.handle("/customservice/kfaccount/inviteworker", capVerified, JSON(api.kfInvite).serve)
		api.handle("/customservice/kfaccount/uploadheadimg", capVerified, api.kfUploadHead)
		api.handle("/customservice/kfsession/create", capVerified, JSON(api.kfSessionCreate).serve)
		api.handle("/customservice/kfsession/close", capVerified, JSON(api.kfSessionClose).serve)
		api.handle("/customservice/kfsession/getsession", capVerified, Query(api.kfSessionGet).serve)
		api.handle("/customservice/kfsession/getsessionlist", capVerified, Query(api.kfSessionList).serve)
		api.handle("/customservice/kfsession/getwaitcase", capVerified, Query(api.kfWaitCase).serve)
	}
	// Short keys, openid migration, failed-call lookup by rid, and the
	// developer-server check.
	api.handle("/cgi-bin/shorten/gen", capBasic, JSON(api.shortenGen).serve)
	api.handle("/cgi-bin/shorten/fetch", capBasic, JSON(api.shortenFetch).serve)
	api.handle("/cgi-bin/changeopenid", capVerified, JSON(api.changeOpenID).serve)
	api.handle("/cgi-bin/openapi/rid/get", capBasic, JSON(api.ridGet).serve)
	api.handle("/cgi-bin/callback/check", capBasic, JSON(api.callbackCheck).serve)
}
