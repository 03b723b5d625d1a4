// Package inuse tells whether anything of an account still sends a media
// library file: a button of its menus or one of its auto-replies. The
// console and the developer API refuse to delete such a file (48005).
package inuse

import (
	"context"

	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/publish"
)

// Checker looks in the menus and auto-replies.
type Checker struct {
	Menus       *menu.Store
	AutoReplies *autoreply.Store
}

// Asset reports whether a button of the account's menus (default and
// conditional) or one of its auto-replies (keyword, on-follow, default)
// sends the asset.
func (c Checker) Asset(ctx context.Context, accountID int64, asset *publish.Asset) (bool, error) {
	uses := func(id string) bool { return id != "" && (id == asset.MediaID || id == asset.Key) }
	def, conds, err := c.Menus.All(ctx, accountID)
	if err != nil {
		return false, err
	}
	var walk func([]menu.Button) bool
	walk = func(bs []menu.Button) bool {
		for _, b := range bs {
			if uses(b.MediaID) || walk(b.SubButtons) {
				return true
			}
		}
		return false
	}
	if def != nil && walk(def.Buttons) {
		return true, nil
	}
	for _, m := range conds {
		if walk(m.Buttons) {
			return true, nil
		}
	}
	rules, err := c.AutoReplies.Rules(ctx, accountID)
	if err != nil {
		return false, err
	}
	for _, rule := range rules {
		for _, rep := range rule.Replies {
			if uses(rep.MediaID) || uses(rep.MediaKey) {
				return true, nil
			}
		}
	}
	return false, nil
}
