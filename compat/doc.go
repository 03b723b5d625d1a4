// Package compat holds Herald's SDK compatibility tests: they start a
// Herald in-process (github.com/heraldoa/herald/heraldtest) and drive its
// WeChat-compatible API and message push with the real Go SDK
// github.com/silenceper/wechat/v2, pointed at Herald by its URI modifier.
// It is a separate module so the SDK's dependencies stay out of Herald's
// go.mod; scripts/test runs it.
package compat
