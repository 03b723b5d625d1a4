package emulator

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
)

// view opens a link: a VIEW event whose MenuId is the id of the
// follower's menu when that menu has a link button with this URL.
func (e *Emulator) view(ctx context.Context, acc *Account, f *Follower, link string) (message.FollowerEvent, error) {
	m, err := e.App.Menus.MenuFor(ctx, acc.ID, f.PersonID)
	if err != nil {
		return message.FollowerEvent{}, err
	}
	menuID := ""
	if m != nil {
		if b, ok := menu.Find(m.Buttons, link); ok && b.Type == menu.TypeView && b.URL == link {
			menuID = strconv.FormatInt(m.ID, 10)
		}
	}
	return message.FollowerEvent{Event: message.EventView, Key: link, MenuID: menuID}, nil
}

// findButton finds a leaf button of a menu by name: "Parent/Child" for a
// sub-button, or a bare name (the first leaf of that name).
func findButton(buttons []menu.Button, spec string) (menu.Button, bool) {
	if parent, child, ok := strings.Cut(spec, "/"); ok {
		for _, b := range buttons {
			if b.Name == parent {
				for _, s := range b.SubButtons {
					if s.Name == child {
						return s, true
					}
				}
			}
		}
		return menu.Button{}, false
	}
	for _, b := range buttons {
		if b.Name == spec {
			return b, true
		}
		for _, s := range b.SubButtons {
			if s.Name == spec {
				return s, true
			}
		}
	}
	return menu.Button{}, false
}

// tap taps a button of the menu the follower sees (the default menu, or
// the conditional menu that matches their tags), as the follower app
// would: a click button sends CLICK with its key, a link button VIEW with
// its URL and the menu's MenuId; media_id, article_id and their _limited
// kinds are answered by the platform itself (no push).
func (e *Emulator) tap(ctx context.Context, acc *Account, f *Follower, name string) (message.FollowerEvent, error) {
	if name == "" {
		return message.FollowerEvent{}, fmt.Errorf("tap: button (the button's name, \"Parent/Child\" for a sub-button) is required")
	}
	m, err := e.App.Menus.MenuFor(ctx, acc.ID, f.PersonID)
	if err != nil {
		return message.FollowerEvent{}, err
	}
	if m == nil {
		return message.FollowerEvent{}, fmt.Errorf("tap: %s has no menu (create one with /cgi-bin/menu/create)", acc.Name)
	}
	b, ok := findButton(m.Buttons, name)
	if !ok {
		return message.FollowerEvent{}, fmt.Errorf("tap: the menu this follower sees has no button %q", name)
	}
	if len(b.SubButtons) > 0 {
		return message.FollowerEvent{}, fmt.Errorf("tap: %q opens its sub-buttons; tap one of them as \"%s/<name>\"", name, name)
	}
	event, key := "", ""
	switch b.Type {
	case menu.TypeClick:
		event, key = message.EventClick, b.Key
	case menu.TypeView:
		event, key = message.EventView, b.URL
	case menu.TypeMediaID, menu.TypeViewLimited:
		event, key = message.EventClick, b.MediaID
	case menu.TypeArticleID, menu.TypeArticleViewLimited:
		event, key = message.EventClick, b.ArticleID
	default:
		return message.FollowerEvent{}, fmt.Errorf("tap: the emulator cannot tap %s buttons", b.Type)
	}
	ev := message.FollowerEvent{Event: event, Key: key}
	if event == message.EventView {
		ev.MenuID = strconv.FormatInt(m.ID, 10)
	}
	return ev, nil
}
