package wxapi

import "github.com/heraldoa/herald/internal/db"

// The two statements of user/tag/get: a tag's followers in openid order
// from the cursor on (arguments: account, tag, cursor, limit). They return
// the same rows and differ in where they start.
//
// tagUsersByOpenID walks the account's followers in openid order and looks
// each up in the tag, stopping when the page is full: a page costs about
// limit × followers ÷ tag rows, up to the whole account for a small tag
// (SQLite, which has no statistics, always plans it so: about 0.9 s to
// list a tag of 10 in an account of 100,000 followers).
//
// tagUsersByTag reads the tag's members first and sorts them by openid: a
// page costs the tag's size whatever the account's. CROSS JOIN makes SQLite
// keep that order, and the unary + on following and openid keeps it from
// looking each member up through follows_account_openid (the range of
// every follower after the cursor) rather than by the primary key.
// SQLite only: PostgreSQL chooses between the two plans by its statistics.
const (
	tagUsersByOpenID = `SELECT f.openid FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
		WHERE m.account_id = ? AND m.tag_id = ? AND f.following = TRUE AND f.openid > ? ORDER BY f.openid LIMIT ?`
	tagUsersByTag = `SELECT f.openid FROM tag_members m CROSS JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
		WHERE m.account_id = ? AND m.tag_id = ? AND +f.following = TRUE AND +f.openid > ? ORDER BY f.openid LIMIT ?`
)

// tagUsersSQL picks user/tag/get's statement for a tag of tagCount
// members in an account of followers (both counters the tables keep; a
// stale one picks a slower plan, never other rows): on SQLite the tag's
// members first when sorting them reads fewer rows than walking the
// account for a page would (tag² ≤ limit × followers).
func tagUsersSQL(d db.Dialect, tagCount, followers int64, limit int) string {
	if d == db.SQLite && tagCount*tagCount <= int64(limit)*followers {
		return tagUsersByTag
	}
	return tagUsersByOpenID
}
