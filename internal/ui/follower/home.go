package follower

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// chatRow is one row of the follower's chat list: a Service account, or
// the one "Subscriptions" row standing for every Subscription account.
type chatRow struct {
	AccountID int64 // 0 for the Subscriptions row
	Href      string
	Name      string
	AvatarURL string
	Verified  bool
	Muted     bool
	Preview   string
	At        time.Time
	LastID    int64 // the newest message the row shows (0: none)
	Unread    int
	Folder    bool
}

type chatListData struct {
	Rows   []*chatRow
	Unread int // over the rows that are not muted, for the page title
}

// folderPeek is how many folder items the chat list looks at for the
// Subscriptions row's unread count.
const folderPeek = 20

func (u *UI) appHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	// The folder's first statement (core.FolderTop) reads the person's
	// session too when the page is left to read it (web.PageSession).
	top, hasTop := u.Publications.(core.FolderTop)
	var page core.FolderTopPage
	readTop := false
	if ref, ok := web.PageSession(r); ok && hasTop {
		var err error
		page, err = top.FolderTop(ctx, 0, folderPeek, core.FolderAlso{Following: true, Chats: maxSubscriptionChats, Session: &ref})
		if err != nil {
			return err
		}
		if _, err := web.PageSessionRead(r, ref, &page.Session); err != nil {
			return err
		}
		readTop = true
	} else if err := web.LoadSession(r); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Herald", nil)
	me := web.Person(r)
	if me == nil {
		return u.Render(w, r, http.StatusOK, "app/welcome", p)
	}
	p.Title = "Chats"
	d := &chatListData{}
	chats, err := u.Messages.ChatList(ctx, me.ID)
	if err != nil {
		return err
	}
	for _, c := range chats {
		d.Rows = append(d.Rows, &chatRow{AccountID: c.AccountID, Href: "/chat/" + strconv.FormatInt(c.AccountID, 10), Name: c.Name,
			AvatarURL: core.AccountAvatarURL(c.AccountID, c.AvatarPath), Verified: c.Verified, Muted: c.Muted,
			Preview: c.LastPreview, At: c.LastAt, LastID: c.LastID, Unread: c.Unread})
	}
	// The folder's row is shown to followers of any Subscription account;
	// a source that can (core.FolderTop) says so with the folder's top, in
	// its first statement, instead of a count of its own, and reads the
	// Subscription conversations there too.
	var items []core.FolderItem
	var subs bool
	var convs []*chatRow
	readConvs := true
	if hasTop {
		if !readTop {
			page, err = top.FolderTop(ctx, me.ID, folderPeek, core.FolderAlso{Following: true, Chats: maxSubscriptionChats})
		}
		items, subs, convs, readConvs = page.Items, page.Following, u.subscriptionChatRows(page.Chats), false
	} else {
		var n int
		n, err = u.Follows.CountFollowing(ctx, me.ID, account.Subscription)
		if subs = n > 0; subs && u.Publications != nil {
			items, _, err = u.Publications.Folder(ctx, me.ID, "", folderPeek)
		}
	}
	if err != nil {
		return err
	}
	if subs {
		row := &chatRow{Href: "/subscriptions", Name: p.L.Text("Subscriptions"), Folder: true, Preview: p.L.Text("No publications yet")}
		// Answers from Subscription accounts count here too.
		if readConvs {
			if convs, err = u.subscriptionChats(ctx, me.ID); err != nil {
				return err
			}
		}
		for _, c := range convs {
			row.Unread += c.Unread
		}
		if len(items) > 0 {
			row.Preview = items[0].AccountName + ": " + items[0].Title
			row.At = items[0].At
		}
		for _, it := range items {
			if !it.Seen {
				row.Unread++
			}
		}
		if len(convs) > 0 && convs[0].Unread > 0 && convs[0].At.After(row.At) {
			row.Preview = convs[0].Name + ": " + convs[0].Preview
			row.At = convs[0].At
		}
		d.Rows = append(d.Rows, row)
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].At.After(d.Rows[j].At) })
	for _, row := range d.Rows {
		if !row.Muted {
			d.Unread += row.Unread
		}
	}
	p.Data = d
	return u.Render(w, r, http.StatusOK, "app/home", p)
}
