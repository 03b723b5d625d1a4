package autoreply

import (
	"context"
	"github.com/heraldoa/herald/internal/errs"
)

// CurrentInfo is the shape of WeChat's get_current_autoreply_info.
type CurrentInfo struct {
	IsAddFriendReplyOpen int           `json:"is_add_friend_reply_open"`
	IsAutoreplyOpen      int           `json:"is_autoreply_open"`
	AddFriendAutoreply   *InfoReply    `json:"add_friend_autoreply_info,omitempty"`
	MessageDefault       *InfoReply    `json:"message_default_autoreply_info,omitempty"`
	KeywordAutoreply     *InfoRuleList `json:"keyword_autoreply_info,omitempty"`
}

// InfoReply is one reply in get_current_autoreply_info: text content,
// an image's media_id, or an article card in news_info.
type InfoReply struct {
	Type     string    `json:"type"` // text, img, news
	Content  string    `json:"content,omitempty"`
	NewsInfo *InfoNews `json:"news_info,omitempty"`
}

// InfoNews holds article cards.
type InfoNews struct {
	List []InfoArticle `json:"list"`
}

// InfoArticle is one article card.
type InfoArticle struct {
	Title      string `json:"title"`
	Digest     string `json:"digest"`
	Author     string `json:"author"`
	ShowCover  int    `json:"show_cover"`
	CoverURL   string `json:"cover_url"`
	ContentURL string `json:"content_url"`
	SourceURL  string `json:"source_url"`
}

// InfoRuleList is the keyword rules.
type InfoRuleList struct {
	List []InfoRule `json:"list"`
}

// InfoRule is one keyword rule.
type InfoRule struct {
	RuleName        string        `json:"rule_name"`
	CreateTime      int64         `json:"create_time"`
	ReplyMode       string        `json:"reply_mode"` // reply_all, random_one
	KeywordListInfo []InfoKeyword `json:"keyword_list_info"`
	ReplyListInfo   []InfoReply   `json:"reply_list_info"`
}

// InfoKeyword is one keyword.
type InfoKeyword struct {
	Type      string `json:"type"`       // text
	MatchMode string `json:"match_mode"` // equal, contain
	Content   string `json:"content"`
}

func infoReply(r Reply) InfoReply {
	switch r.Type {
	case ReplyImage:
		c := r.MediaID
		if c == "" {
			c = r.MediaKey
		}
		return InfoReply{Type: "img", Content: c}
	case ReplyNews:
		ir := InfoReply{Type: "news", NewsInfo: &InfoNews{}}
		if a := r.Article; a != nil {
			ir.NewsInfo.List = append(ir.NewsInfo.List, InfoArticle{Title: a.Title, Digest: a.Description, ShowCover: 1,
				CoverURL: a.PicURL, ContentURL: a.URL, SourceURL: a.URL})
		}
		return ir
	}
	return InfoReply{Type: "text", Content: r.Text}
}

// Info returns the account's auto-replies in the shape of WeChat's
// get_current_autoreply_info.
func (s *Store) Info(ctx context.Context, accountID int64) (_ *CurrentInfo, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Info(%d)", accountID)
	rules, err := s.Rules(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return infoOf(rules), nil
}

// infoOf is rules in the shape of get_current_autoreply_info.
func infoOf(rules []*Rule) *CurrentInfo {
	info := &CurrentInfo{}
	var kw InfoRuleList
	for _, r := range rules {
		switch r.Kind {
		case KindFollow:
			if r.Enabled {
				info.IsAddFriendReplyOpen = 1
			}
			if len(r.Replies) > 0 {
				ir := infoReply(r.Replies[0])
				info.AddFriendAutoreply = &ir
			}
		case KindDefault:
			if r.Enabled {
				info.IsAutoreplyOpen = 1
			}
			if len(r.Replies) > 0 {
				ir := infoReply(r.Replies[0])
				info.MessageDefault = &ir
			}
		case KindKeyword:
			if !r.Enabled {
				continue
			}
			info.IsAutoreplyOpen = 1
			ir := InfoRule{RuleName: r.Name, ReplyMode: "reply_all"}
			if !r.CreatedAt.IsZero() {
				ir.CreateTime = r.CreatedAt.Unix()
			}
			if r.Mode == ModeRandom {
				ir.ReplyMode = "random_one"
			}
			for _, k := range r.Keywords {
				mode := "equal"
				if k.Match == MatchContains {
					mode = "contain"
				}
				ir.KeywordListInfo = append(ir.KeywordListInfo, InfoKeyword{Type: "text", MatchMode: mode, Content: k.Text})
			}
			for _, rep := range r.Replies {
				ir.ReplyListInfo = append(ir.ReplyListInfo, infoReply(rep))
			}
			kw.List = append(kw.List, ir)
		}
	}
	if len(kw.List) > 0 {
		info.KeywordAutoreply = &kw
	}
	return info
}
