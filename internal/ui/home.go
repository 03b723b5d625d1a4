package ui

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/review"
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
	p := u.newPage(w, r, "Herald", nil)
	me := web.Person(r)
	if me == nil {
		return u.render(w, r, http.StatusOK, "app/welcome", p)
	}
	p.Title = "Chats"
	ctx := r.Context()
	d := &chatListData{}
	chats, err := u.Messages.ChatList(ctx, me.ID)
	if err != nil {
		return err
	}
	for _, c := range chats {
		d.Rows = append(d.Rows, &chatRow{AccountID: c.AccountID, Href: "/chat/" + strconv.FormatInt(c.AccountID, 10), Name: c.Name,
			AvatarURL: accountAvatarURL(c.AccountID, c.AvatarPath), Verified: c.Verified, Muted: c.Muted,
			Preview: c.LastPreview, At: c.LastAt, Unread: c.Unread})
	}
	subs, err := u.Follows.CountFollowing(ctx, me.ID, account.Subscription)
	if err != nil {
		return err
	}
	if subs > 0 {
		row := &chatRow{Href: "/subscriptions", Name: "Subscriptions", Folder: true, Preview: "No publications yet"}
		// Answers from Subscription accounts count here too.
		convs, err := u.subscriptionChats(ctx, me.ID)
		if err != nil {
			return err
		}
		for _, c := range convs {
			row.Unread += c.Unread
		}
		if u.Publications != nil {
			items, _, err := u.Publications.Folder(ctx, me.ID, "", folderPeek)
			if err != nil {
				return err
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
	return u.render(w, r, http.StatusOK, "app/home", p)
}

// mpHomeData is the console home: the person's accounts and applications.
type mpHomeData struct {
	Memberships  []account.Membership
	Applications []*review.Application // unfinished ones, and refusals
}

func (u *UI) mpHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := web.Person(r)
	d := &mpHomeData{}
	var err error
	if d.Memberships, err = u.Accounts.ForMember(ctx, me.ID); err != nil {
		return err
	}
	if u.Review != nil {
		apps, err := u.Review.ForPerson(ctx, me.ID)
		if err != nil {
			return err
		}
		applied := map[int64]bool{}
		for _, a := range apps {
			if a.State != review.Approved {
				d.Applications = append(d.Applications, a)
				applied[a.AccountID] = true
			}
		}
		// An account that exists only as an application (pending, or
		// rejected) is listed once, with its application.
		kept := d.Memberships[:0]
		for _, m := range d.Memberships {
			st := m.Account.Status
			if applied[m.Account.ID] && (st == account.StatusPending || st == account.StatusRejected) {
				continue
			}
			kept = append(kept, m)
		}
		d.Memberships = kept
	}
	return u.render(w, r, http.StatusOK, "mp/home", u.newPage(w, r, "Console", d))
}

func (u *UI) adminHome(w http.ResponseWriter, r *http.Request) error {
	var counts review.Counts
	if u.Review != nil {
		var err error
		if counts, err = u.Review.Counts(r.Context()); err != nil {
			return err
		}
	}
	return u.render(w, r, http.StatusOK, "admin/home", u.newPage(w, r, "Platform admin", counts))
}
