package audience

import (
	"strings"

	"github.com/heraldoa/herald/internal/db"
)

// followersSQL builds Followers' statement and its arguments. Both forms
// return the same rows in the same order (subscribed_at, then person_id,
// newest first; oldest first for a Before page) and differ, for a tag
// filter, in where they start.
//
// The walk (byTag false) reads the account's followers from the page's
// place and looks each up in the tag, stopping when the page is full: a
// page costs about limit × followers ÷ tag rows, up to the whole account
// for a small tag (SQLite, which has no statistics, always plans it so:
// about 0.2 s for a tag of 10 among 100,000 followers).
//
// byTag reads the tag's members first and sorts them: a page costs the
// tag's size whatever the account's. CROSS JOIN makes SQLite keep that
// order, and the unary + on following and blocked keeps it from finding
// the followers through follows_account_newest (every follower of the
// account) rather than each by the primary key. SQLite only: PostgreSQL
// takes neither CROSS JOIN … ON nor unary + on a boolean, and chooses
// between the two plans by its statistics.
func followersSQL(d db.Dialect, accountID int64, q Query, byTag bool) (string, []any) {
	from := `follows f JOIN people p ON p.id = f.person_id`
	where := `f.account_id = ?`
	args := []any{accountID}
	following, blocked := `f.following = TRUE`, `f.blocked = TRUE`
	if byTag {
		from = `tag_members m CROSS JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id JOIN people p ON p.id = f.person_id`
		where = `m.account_id = ? AND m.tag_id = ?`
		args = append(args, q.TagID)
		following, blocked = `+f.following = TRUE`, `+f.blocked = TRUE`
	}
	if q.Blocked {
		where += ` AND ` + blocked
	} else {
		where += ` AND ` + following
	}
	if q.TagID != 0 && !byTag {
		where += ` AND EXISTS (SELECT 1 FROM tag_members m WHERE m.account_id = f.account_id AND m.person_id = f.person_id AND m.tag_id = ?)`
		args = append(args, q.TagID)
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		pat := "%" + db.EscapeLike(term) + "%"
		where += ` AND (` + d.Like("f.remark") + ` ESCAPE '\' OR ` + d.Like("p.display_name") + ` ESCAPE '\')`
		args = append(args, pat, pat)
	}
	// The page's place, as a row value on the sort key: the walk seeks to
	// it in follows_account_newest, (following, subscribed_at, person_id)
	// after the account, and reads from there. Before reads the other
	// way from the place (Followers turns those rows round).
	order := `f.subscribed_at DESC, f.person_id DESC`
	if c := q.After; c != nil {
		where += ` AND (f.subscribed_at, f.person_id) < (?, ?)`
		args = append(args, c.SubscribedAt, c.PersonID)
	} else if c := q.Before; c != nil {
		where += ` AND (f.subscribed_at, f.person_id) > (?, ?)`
		args = append(args, c.SubscribedAt, c.PersonID)
		order = `f.subscribed_at, f.person_id`
	}
	args = append(args, q.Limit)
	return `SELECT ` + followerCols + ` FROM ` + from + `
		WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ?`, args
}

// followersByTag tells whether Followers reads a tag filter's members
// first: on SQLite, when sorting the tag reads fewer rows than walking the
// account from the page's place to its end would (tag² ≤ limit ×
// followers: the walk finds a member about every followers ÷ tag rows,
// wherever it starts). tagCount and followers are the counters the tables
// keep; a stale one picks a slower plan, never other rows.
func followersByTag(d db.Dialect, tagCount, followers int64, q Query) bool {
	return d == db.SQLite && q.TagID != 0 && tagCount*tagCount <= int64(q.Limit)*followers
}
