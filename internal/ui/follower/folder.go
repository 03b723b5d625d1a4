package follower

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// folderGroup is one account's publications in the Subscriptions folder.
type folderGroup struct {
	AccountID int64
	Name      string
	AvatarURL string
	Verified  bool
	At        time.Time         // the newest publication
	Items     []core.FolderItem // the first two, always shown
	More      []core.FolderItem // the rest, folded ("N more")
	Unseen    int
}

type folderData struct {
	Chats     []*chatRow // conversations with Subscription accounts
	Groups    []*folderGroup
	Next      string // cursor of the next page, "" at the end
	Available bool   // false until publishing is wired in
}

// folderShown is how many publications of one account the folder shows
// before folding the rest, as WeChat's feed does.
const folderShown = 2

// folderPage is how many publications one page of the folder shows.
const folderPage = 30

// subscriptions is the Subscriptions folder: the newest publications of the
// Subscription accounts the person follows, grouped per account (the
// account with the newest publication first), unseen ones marked. Opening
// the folder marks them seen for the next visit.
func (u *UI) subscriptions(w http.ResponseWriter, r *http.Request) error {
	d := &folderData{Available: u.Publications != nil}
	after := r.URL.Query().Get("after")
	// The first page lists the Subscription conversations too: read with
	// the folder's top by a source that can (core.FolderTop), in its first
	// statement, else on their own. That statement reads the person's
	// session too when the page is left to read it (web.PageSession).
	top, readTop := u.Publications.(core.FolderTop)
	readTop = readTop && after == ""
	var page core.FolderTopPage
	var me *user.Person
	if ref, ok := web.PageSession(r); ok && readTop {
		var err error
		page, err = top.FolderTop(r.Context(), 0, folderPage, core.FolderAlso{Chats: maxSubscriptionChats, Session: &ref})
		if err != nil {
			return err
		}
		if me, err = web.PageSessionRead(r, ref, &page.Session); err != nil {
			return err
		}
		if me == nil {
			return errs.Unauthorized
		}
	} else {
		if err := web.LoadSession(r); err != nil {
			return err
		}
		if me = web.Person(r); me == nil {
			return errs.Unauthorized
		}
		if readTop {
			var err error
			page, err = top.FolderTop(r.Context(), me.ID, folderPage, core.FolderAlso{Chats: maxSubscriptionChats})
			if err != nil {
				return err
			}
		}
	}
	if after == "" && !readTop {
		var err error
		if d.Chats, err = u.subscriptionChats(r.Context(), me.ID); err != nil {
			return err
		}
	}
	if u.Publications != nil {
		var items []core.FolderItem
		var next string
		var err error
		if readTop {
			items, next, d.Chats = page.Items, page.Next, u.subscriptionChatRows(page.Chats)
		} else {
			items, next, err = u.Publications.Folder(r.Context(), me.ID, after, folderPage)
		}
		if err != nil {
			return err
		}
		u.recordFolderImpressions(r, items) // analytics
		d.Next = next
		byAccount := map[int64]*folderGroup{}
		for _, it := range items {
			g := byAccount[it.AccountID]
			if g == nil {
				g = &folderGroup{AccountID: it.AccountID, Name: it.AccountName, AvatarURL: core.AccountAvatarURL(it.AccountID, it.AccountAvatar),
					Verified: it.Verified, At: it.At}
				byAccount[it.AccountID] = g
				d.Groups = append(d.Groups, g)
			}
			if len(g.Items) < folderShown {
				g.Items = append(g.Items, it)
			} else {
				g.More = append(g.More, it)
			}
			if !it.Seen {
				g.Unseen++
			}
		}
		// Opening the first page marks what it shows seen; when nothing on
		// it is new (every older item is then seen too) there is nothing to
		// write.
		if after == "" && unseen(items) {
			if err := u.Publications.MarkFolderSeen(r.Context(), me.ID); err != nil {
				return err
			}
		}
	}
	p := u.NewPage(w, r, "Subscriptions", d)
	return u.Render(w, r, http.StatusOK, "app/subscriptions", p)
}

// unseen reports whether any of items is new to the follower.
func unseen(items []core.FolderItem) bool {
	for _, it := range items {
		if !it.Seen {
			return true
		}
	}
	return false
}

// maxSubscriptionChats bounds how many conversations with Subscription
// accounts the folder lists.
const maxSubscriptionChats = 100

// subscriptionChats lists the person's conversations with the Subscription
// accounts they follow (which have no chat-list rows of their own), most
// recent first. Followers can message Subscription accounts too; their
// answers are found here.
func (u *UI) subscriptionChats(ctx context.Context, personID int64) ([]*chatRow, error) {
	chats, err := u.Follows.Chats(ctx, personID, account.Subscription, maxSubscriptionChats)
	if err != nil {
		return nil, err
	}
	rows := make([]*chatRow, 0, len(chats))
	for _, c := range chats {
		a := c.Account
		rows = append(rows, &chatRow{AccountID: a.ID, Href: "/chat/" + strconv.FormatInt(a.ID, 10), Name: a.Name, AvatarURL: core.AccountAvatarURL(a.ID, a.AvatarPath),
			Verified: a.Verified(u.Clock.Now()), Preview: c.LastPreview, At: c.LastAt, Unread: c.Unread})
	}
	return rows, nil
}

// subscriptionChatRows is subscriptionChats' rows of conversations read
// with the folder's top (core.FolderTop).
func (u *UI) subscriptionChatRows(chats []core.SubscriptionChat) []*chatRow {
	rows := make([]*chatRow, 0, len(chats))
	for _, c := range chats {
		rows = append(rows, &chatRow{AccountID: c.AccountID, Href: "/chat/" + strconv.FormatInt(c.AccountID, 10), Name: c.AccountName,
			AvatarURL: core.AccountAvatarURL(c.AccountID, c.AccountAvatar), Verified: c.Verified, Preview: c.Preview, At: c.LastAt, Unread: c.Unread})
	}
	return rows
}
