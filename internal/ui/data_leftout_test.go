package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest/wechatmove"
)

// What a move from WeChat left out is stored as codes and written in the
// reader's language; a report stored as English lines shows them as written.
func TestWeChatMoveLeftOutInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	m := wechatmove.New(t)
	s, svc := m.Target, m.Account
	ctx := context.Background()
	now := time.Now()
	for i, report := range []string{
		`{"Followers":3,"Skipped":["menu button \"Old\": its image x was not pulled"]}`,
		`{"Followers":3,"LeftOut":[{"code":"rule.replies","args":["Prices","7","5"]},{"code":"button.type","args":["Shop","miniprogram"]}]}`,
	} {
		if _, err := s.App.DB.Exec(ctx, `INSERT INTO wechat_imports (id, account_id, requested_by, appid, api_base, state, report, created_at, updated_at, finished_at)
			VALUES (?, ?, ?, 'wx0123456789abcdef', 'https://api.weixin.qq.com', 'done', ?, ?, ?, ?)`,
			i+1, svc.ID, 0, report, now.Add(time.Duration(i)*time.Minute).UnixMicro(), now.UnixMicro(), now.UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	c := s.Client(t)
	c.SignIn(wechatmove.OwnerName, wechatmove.OwnerPassword)
	base := fmt.Sprintf("/mp/a/%d/data", svc.ID)
	for lang, want := range map[string][]string{
		"en":    {`Auto-reply &#34;Prices&#34;: 7 replies, only the first 5 kept`, `Menu button &#34;Shop&#34;: WeChat console type &#34;miniprogram&#34; has no equivalent here`},
		"zh-CN": {`自动回复 &#34;Prices&#34;：共 7 条回复，只保留前 5 条`, `菜单按钮 &#34;Shop&#34;：微信后台的类型 &#34;miniprogram&#34; 在这里没有对应`},
	} {
		if res := c.PostForm("/lang", url.Values{"lang": {lang}}); res.Status != http.StatusSeeOther {
			t.Fatalf("switch to %s: %d", lang, res.Status)
		}
		page := c.Get(base)
		for _, w := range want {
			if !page.Contains(w) {
				t.Errorf("%s: the data page lacks %q", lang, w)
			}
		}
		if page.Contains("miniprogram&#34; has no equivalent") != (lang == "en") {
			t.Errorf("%s: the left-out list is not in the reader's language", lang)
		}
	}
}
