// Package compat holds Herald's SDK compatibility tests: they start a
// Herald in-process (github.com/heraldoa/herald/heraldtest) and drive its
// WeChat-compatible API and message push with the real Go SDK
// github.com/silenceper/wechat/v2, pointed at Herald by its URI modifier,
// and Herald Pay's /v3/ API with WeChat Pay's maintained Go client
// github.com/wechatpay-apiv3/wechatpay-go, whose requests for
// api.mch.weixin.qq.com an http.RoundTripper sends to Herald.
// It is a separate module so the SDKs' dependencies stay out of Herald's
// go.mod; scripts/test runs it.
package compat
