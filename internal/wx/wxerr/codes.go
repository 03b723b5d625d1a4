package wxerr

// Error codes that the platform's own code refers to by name. The full set
// with messages is in the messages table.
const (
	CodeSystemError         = -1
	CodeOK                  = 0
	CodeInvalidCredential   = 40001
	CodeInvalidGrantType    = 40002
	CodeInvalidOpenID       = 40003
	CodeInvalidMediaID      = 40007
	CodeInvalidAppID        = 40013
	CodeInvalidAccessToken  = 40014
	CodeInvalidCode         = 40029
	CodeInvalidParameter    = 40035
	CodeInvalidTemplateID   = 40037
	CodeInvalidAppSecret    = 40125
	CodeCodeBeenUsed        = 40163
	CodeInvalidIP           = 40164
	CodeAccessTokenMissing  = 41001
	CodeAppIDMissing        = 41002
	CodeAppSecretMissing    = 41004
	CodeAccessTokenExpired  = 42001
	CodeCodeExpired         = 42003
	CodeRequireGET          = 43001
	CodeRequirePOST         = 43002
	CodeRequireSubscribe    = 43004
	CodeEmptyPostData       = 44002
	CodeDailyQuota          = 45009
	CodeMinuteQuota         = 45011
	CodeOutOfResponseWindow = 45015
	CodeNoMassSendQuota     = 45028
	CodeOutOfResponseCount  = 45047
	CodeDataFormatError     = 47001
	CodeArgumentInvalid     = 47003
	CodeAPIUnauthorized     = 48001
	CodeClearQuotaLimit     = 48006
)

// messages maps each errcode to its errmsg without the " rid: ..." suffix.
//
// Codes from section 2.1 of the protocol notes, and the few other codes
// whose English text the notes quote in backticks, carry the exact text seen
// in real traffic: SDKs match on it (EasyWeChat retries only when the body
// contains "42001" and "access_token expired"). The rest are short English
// texts faithful to the paraphrased meaning in section 2.2; clients match
// those by code only.
var messages = map[int]string{
	// Seen in real traffic (section 0, 1 and 2.1).
	-1:    "system error",
	0:     "ok",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40007: "invalid media_id",
	40013: "invalid appid",
	40014: "invalid access_token",
	40018: "invalid button name size",
	40029: "invalid code",
	40037: "invalid template_id",
	40125: "invalid appsecret",
	40163: "code been used",
	40164: "invalid ip, not in whitelist", // InvalidIP gives the full form with the address
	41001: "access_token missing",
	41002: "appid missing",
	41004: "appsecret missing",
	42001: "access_token expired",
	42002: "refresh_token expired",
	42003: "code expired",
	43001: "require GET method",
	43002: "require POST method",
	43004: "require subscribe",
	44002: "empty post data",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
	45015: "response out of time limit or subscription is canceled",
	45028: "has no masssend quota",
	45026: "template num exceeds limit",
	45047: "out of response count limit",
	45109: "This API has been unsupported",
	47001: "data format error",
	47003: "argument invalid!",
	48001: "api unauthorized",
	48006: "forbid to clear quota because of reaching the limit",
	76021: "cgi_path not found, please check",
	76022: "could not use this cgi_path,no permission",
	88000: "open comment without comment privilege",

	// Section 2.2 and the family sections: faithful English.
	40004:   "invalid media type",
	40005:   "invalid file type",
	40006:   "invalid file size",
	40008:   "invalid message type",
	40009:   "invalid image size",
	40010:   "invalid voice size",
	40011:   "invalid video size",
	40012:   "invalid thumb size",
	40015:   "invalid menu type",
	40016:   "invalid button count",
	40017:   "invalid button type",
	40019:   "invalid button key size",
	40020:   "invalid button url size",
	40021:   "invalid menu version",
	40022:   "invalid sub-menu level",
	40023:   "invalid sub-button count",
	40024:   "invalid sub-button type",
	40025:   "invalid sub-button name size",
	40026:   "invalid sub-button key size",
	40027:   "invalid sub-button url size",
	40028:   "invalid menu user",
	40030:   "invalid refresh_token",
	40031:   "invalid openid list",
	40032:   "invalid openid list size",
	40033:   "invalid charset, \\uxxxx characters are not allowed",
	40035:   "invalid parameter",
	40038:   "invalid request format",
	40039:   "invalid url size",
	40050:   "invalid group id",
	40051:   "invalid group name",
	40060:   "invalid article_idx",
	40066:   "invalid url",
	40117:   "invalid group name",
	40118:   "invalid media_id size",
	40119:   "invalid button type",
	40120:   "invalid button type",
	40121:   "invalid media_id type",
	40132:   "invalid wechat id",
	40137:   "unsupported image format",
	40155:   "links to other accounts' home pages are not allowed",
	40243:   "appsecret frozen",
	41003:   "refresh_token missing",
	41005:   "media data missing",
	41006:   "media_id missing",
	41007:   "sub_menu data missing",
	41008:   "oauth code missing",
	41009:   "openid missing",
	41030:   "invalid page path",
	43003:   "require https",
	43005:   "require friend relations",
	43019:   "require remove blacklist",
	43100:   "change template too frequently",
	43101:   "user refuse to accept the msg",
	44001:   "empty media data",
	44003:   "empty news data",
	44004:   "empty content",
	45001:   "media size out of limit",
	45002:   "content size out of limit",
	45003:   "title size out of limit",
	45004:   "description size out of limit",
	45005:   "url size out of limit",
	45006:   "picurl size out of limit",
	45007:   "playtime out of limit",
	45008:   "article size out of limit",
	45110:   "author size out of limit",
	45034:   "media file count is out of limit",
	45010:   "create menu limit",
	45016:   "system group can not be modified",
	45017:   "group name too long",
	45018:   "too many groups",
	45056:   "too many tags",
	45057:   "tag has too many fans to delete",
	45058:   "can not modify the reserved tag",
	45059:   "user has too many tags",
	45064:   "clientmsgid exist",
	45065:   "clientmsgid exist",
	45066:   "clientmsgid retry too fast",
	45067:   "clientmsgid size out of limit",
	45083:   "speed out of range",
	45084:   "speed missing",
	45157:   "invalid tag name",
	45158:   "tag name too long",
	45159:   "invalid tag id",
	46001:   "media data not exist",
	46002:   "menu version not exist",
	46003:   "menu data not exist",
	46004:   "user not exist",
	48002:   "user block receive message",
	48004:   "api forbidden",
	48005:   "material is used by auto-reply or menu, can not delete",
	48008:   "no permission for this msgtype",
	49003:   "openid not belong to this appid",
	50001:   "user unauthorized",
	50002:   "user limited",
	50004:   "api forbidden for this account",
	50005:   "user not subscribed",
	50007:   "account frozen",
	53503:   "draft failed the publish check",
	53504:   "draft must be published in the mp web page",
	53505:   "draft must be saved manually before publishing",
	53600:   "invalid article_id",
	61450:   "kf system error",
	61451:   "invalid parameter",
	61452:   "invalid kf_account",
	61453:   "kf_account exists",
	61454:   "invalid kf_account length",
	61455:   "illegal character in kf_account",
	61456:   "kf_account count exceeded",
	61457:   "invalid head image file type",
	61500:   "date format error",
	61501:   "date range error",
	65400:   "please enable new custom service, or wait for a while if you have enabled",
	65401:   "invalid custom service account",
	65402:   "the custom service account is not bound to a user",
	65403:   "illegal nickname",
	65404:   "illegal custom service account",
	65405:   "the number of custom service accounts exceeds the limit",
	65406:   "custom service account already exists",
	65407:   "the user is already a custom service worker of this account",
	65408:   "an invitation has been sent to this user",
	65409:   "invalid user",
	65410:   "the user is already bound to another custom service account",
	65411:   "the invitation is waiting for confirmation",
	65412:   "the invitation has expired",
	65413:   "no session for this customer",
	65414:   "the customer is in a session with another worker",
	65415:   "the custom service worker is offline",
	65416:   "invalid query parameter",
	65417:   "query time range exceeds the limit",
	65301:   "no such conditional menu",
	65302:   "no such user",
	65303:   "no default menu",
	65304:   "match rule empty",
	65305:   "too many conditional menus",
	65306:   "account does not support conditional menus",
	65307:   "conditional menu is empty",
	65308:   "button has no response type",
	65309:   "conditional menu switch is off",
	65310:   "country is required",
	65311:   "province is required",
	65312:   "invalid country",
	65313:   "invalid province",
	65314:   "invalid city",
	65316:   "too many domains in menu urls",
	65317:   "invalid url",
	65320:   "match rule uses a condition that is no longer allowed",
	76003:   "invalid cgi_path",
	76200:   "invalid rid",
	88001:   "msg_data not exists",
	88002:   "the article is limit for safety",
	88003:   "elected comment upper limit",
	88004:   "comment was deleted by user",
	88005:   "already reply",
	88007:   "reply content beyond max len or content len is zero",
	88008:   "comment not exists",
	88009:   "reply not exists",
	88010:   "count out of range, must be 1 to 50",
	89504:   "waiting for admin confirmation",
	89505:   "waiting for admin confirmation",
	200012:  "private template count exceeds the limit (max 50)",
	200014:  "invalid tid",
	200016:  "invalid start",
	200017:  "invalid limit",
	200018:  "category ids missing",
	200019:  "invalid category ids",
	200020:  "invalid kidList",
	200021:  "invalid sceneDesc",
	9410010: "long_data size out of limit",
	9410011: "expire_seconds out of limit",
	9410012: "short_key not found",
}
