package demo

import (
	"context"
	"fmt"
	"image/color"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/review"
)

// The demo's Chinese account: 莲心茶舍, a Subscription account written in
// Chinese, so that a Chinese-speaking newcomer finds Chinese articles, a
// Chinese menu and Chinese auto-replies on first start. Its owner is
// xiaolian; one in three demo followers (not mei) follows it.
var lianxinComments = []string{"写得真清楚，谢谢！", "昨天照着泡了，果然好喝。", "能多讲讲白茶吗？", "收藏了。", "转给家里人看看。"}

var lianxinPublications = []demoPublication{
	{daysAgo: 8, mass: true, comments: lianxinComments, reply: "谢谢阅读！", articles: []demoArticle{
		{"明前龙井，今年的第一口春天", "小莲", "清明前采摘的龙井已经到店，教你用玻璃杯泡出兰花香。", `今年的**明前龙井**到了。清明之前采下的芽叶细小、鲜甜，是一年里最好的龙井。

## 怎么泡

1. 用玻璃杯，先倒入三分之一的水温杯。
2. 放入 **3 克茶叶**，水温 80 °C 左右，不要用滚水。
3. 等茶叶在杯中舒展、竖立，再加满水。

茶叶在杯中上下沉浮，像一片小小的森林。

> 从来佳茗似佳人。——苏轼`},
		{"紫砂、瓷器还是玻璃？", "小莲", "不同的茶器，会让同一款茶喝出不同的味道。", `**紫砂壶**保温好，会慢慢吸收茶的香气，最好一壶只泡一种茶。

**瓷器**不吸味，适合品鉴；**玻璃杯**可以看茶叶舒展，是绿茶的好搭档。

紫砂壶千万不要用洗洁精，清水冲洗即可。`},
	}},
	{daysAgo: 4, mass: true, comments: lianxinComments, reply: "谢谢阅读！", articles: []demoArticle{
		{"普洱入门：生茶与熟茶", "莲心茶舍", "生普鲜爽，熟普醇厚，一张表看懂区别。", `普洱来自云南，常被压成茶饼，可以存放几十年。

| 种类 | 口感 | 冲泡 |
|---|---|---|
| 生普 | 鲜爽、回甘 | 90 °C，快出汤 |
| 熟普 | 醇厚、甜润 | 沸水，快出汤 |

用茶针撬下几克，洗茶两次，就可以慢慢品了。`},
	}},
	{daysAgo: 2, mass: false, comments: lianxinComments, reply: "谢谢阅读！", articles: []demoArticle{
		{"茶舍须知", "莲心茶舍", "营业时间、预约与静室。", `- 每天 10:00 至 22:00 营业。
- 二楼静室请保持安静，手机调至静音。
- 六人以上请提前一天预约。

感谢大家一起守护茶舍的安静。`},
	}},
}

// seedChinese applies for 莲心茶舍 through the review workflow, has it
// approved, and gives it followers, publications, a menu and auto-replies,
// all in Chinese.
func seedChinese(ctx context.Context, w *world) error {
	owner := w.people["xiaolian"]
	if owner == nil {
		return nil
	}
	rv := w.app.Review
	reviewer := w.people["reviewer"]
	app, err := apply(ctx, rv, owner, review.Fields{Type: account.Subscription, Region: account.Domestic, Name: "莲心茶舍",
		Description:  "杭州西湖边的小茶舍。每周分享茶园故事、泡茶方法和新到的好茶。",
		Organisation: "杭州莲心茶舍有限公司", ContactName: "小莲", ContactEmail: "xiaolian@lianxin-tea.example", ContactPhone: "+86 571 5555 0166"},
		color.RGBA{0xc2, 0x41, 0x6b, 0xff})
	if err != nil {
		return fmt.Errorf("demo: apply for 莲心茶舍: %w", err)
	}
	if err := rv.Claim(ctx, reviewer, app.ID); err != nil {
		return err
	}
	for _, c := range review.CheckNames {
		if err := rv.RecordCheck(ctx, reviewer, app.ID, c, true, "演示数据：已核验。"); err != nil {
			return err
		}
	}
	if err := rv.Approve(ctx, reviewer, app.ID); err != nil {
		return fmt.Errorf("demo: approve 莲心茶舍: %w", err)
	}
	approved, err := rv.Application(ctx, app.ID)
	if err != nil {
		return err
	}
	a, err := w.app.Accounts.ByID(ctx, approved.AccountID)
	if err != nil {
		return err
	}
	w.accounts["lianxin"] = a

	var ids []int64
	for i, p := range w.followers {
		if i%3 == 1 {
			ids = append(ids, p.ID)
		}
	}
	if _, err := w.app.Follows.FollowMany(ctx, a.ID, ids, follow.SourceSearch); err != nil {
		return err
	}

	if w.app.AutoReplies != nil {
		text := func(s string) autoreply.Reply { return autoreply.Reply{Type: autoreply.ReplyText, Text: s} }
		if _, err := w.app.AutoReplies.SetSpecial(ctx, a.ID, autoreply.KindFollow, true,
			text("欢迎来到莲心茶舍！回复「价格」查看茶单价格，回复「营业」查看营业时间。")); err != nil {
			return err
		}
		if _, err := w.app.AutoReplies.SetSpecial(ctx, a.ID, autoreply.KindDefault, true,
			text("谢谢你的留言！我们会在一天之内回复。")); err != nil {
			return err
		}
		for _, r := range []struct {
			name  string
			words []string
			reply string
		}{
			{"价格", []string{"价格", "茶单"}, "绿茶一壶 38 元，乌龙 48 元，普洱 58 元，续水免费。"},
			{"营业时间", []string{"营业", "几点"}, "我们每天 10:00 至 22:00 营业，欢迎来坐坐。"},
		} {
			var kws []autoreply.Keyword
			for _, word := range r.words {
				kws = append(kws, autoreply.Keyword{Match: autoreply.MatchContains, Text: word})
			}
			if err := w.app.AutoReplies.SaveRule(ctx, &autoreply.Rule{AccountID: a.ID, Name: r.name, Enabled: true, Mode: autoreply.ModeAll,
				Keywords: kws, Replies: []autoreply.Reply{text(r.reply)}}); err != nil {
				return err
			}
		}
	}
	if w.app.Menus != nil {
		if _, err := w.app.Menus.SetDefault(ctx, a.ID, []menu.Button{
			{Name: "好茶", SubButtons: []menu.Button{
				{Type: menu.TypeText, Name: "本月推荐", Value: "本月推荐：西湖明前龙井，一壶 68 元。"},
				{Type: menu.TypeView, Name: "完整茶单", URL: "https://lianxin-tea.example/menu"},
			}},
			{Type: menu.TypeText, Name: "营业时间", Value: "每天 10:00 至 22:00 营业。"},
			{Type: menu.TypeView, Name: "找到我们", URL: "https://lianxin-tea.example/map"},
		}); err != nil {
			return err
		}
	}
	if w.app.Publish != nil && w.app.PublishEngine != nil {
		for n, dp := range lianxinPublications {
			if err := seedOnePublication(ctx, w, a, owner.ID, n, dp); err != nil {
				return fmt.Errorf("demo publishing (莲心茶舍): %w", err)
			}
		}
	}
	return nil
}
