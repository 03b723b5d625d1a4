package app

import (
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
)

// responders is the chain that answers a follower's message or event, in
// the order it runs; a responder that handles it ends the chain.
//
//  1. analytics: records follows, unfollows, menu clicks and followers'
//     messages; never answers, so the chain goes on;
//  2. menu clicks: answers the buttons WeChat answers itself (media_id,
//     article_id), which are never pushed to the developer's server;
//  3. the developer's server (push.Engine): its reply, or its silence, wins,
//     as on WeChat;
//  4. click keys: a menu click whose key a keyword rule matches gets that
//     rule's replies, so "click" buttons work without a developer server;
//  5. auto-replies: on-follow, keyword and default replies, for accounts
//     without a developer server.
func (a *App) responders() []message.Responder {
	return []message.Responder{
		&analytics.Responder{Recorder: a.Analytics},
		&menu.Responder{Store: a.Menus, Media: a.menuMedia, Articles: a.menuArticle},
		a.Push,
		&menu.KeywordResponder{Keywords: a.clickKeywords},
		&autoreply.Responder{Store: a.AutoReplies, Conversations: a.Messages},
	}
}
