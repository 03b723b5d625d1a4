package publish

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/calendar"
	"github.com/heraldoa/herald/internal/db"
)

// The per-follower monthly cap of Service accounts: as on WeChat, a
// follower receives at most calendar.ServicePerFollower mass sends a
// calendar month (in the account's time zone), whatever the account sends;
// a send skips followers who already had that many. They count in the
// send's TotalCount but not in its FilterCount or SentCount, and the job
// keeps how many were skipped (CappedCount).
//
// Who received what is read from broadcast_recipients, the record the send
// writes anyway (a Service account's every mass send is a broadcast), so
// the cap costs no extra row per recipient and stays exact under a crash:
// a batch's recipients commit with its cursor. A send belongs to the month
// in which it started (its broadcast's created_at). Each batch of a Service
// send holds the row of (account, month) in mass_cap_months while it
// counts and writes, so concurrent sends of one account, on one node or
// several, take turns batch by batch and each sees the other's committed
// recipients. Until the month holds as many other sends as the cap nobody
// can be at it and the batch skips the check; after that the batch finds
// who in its range of person ids already had the cap, from the month's
// other sends (a range scan of each by the primary key), and leaves them
// out.

// capMonth is the month a Service send counts in.
type capMonth struct {
	key        string
	start, end int64 // micro
}

// capMonthOf returns the month of a send that started at created.
func capMonthOf(created time.Time, loc *time.Location) capMonth {
	key, start, end := calendar.MonthOf(created, loc)
	return capMonth{key: key, start: db.Micro(start), end: db.Micro(end)}
}

// capFilter holds the month's row for the batch's transaction and returns
// the condition (on follows f, for person ids in (cursor, upper]) that
// leaves out the followers who already received the cap this month from
// other sends than sendID; "" when nobody can have.
func capFilter(ctx context.Context, tx *db.Tx, accountID, sendID int64, m capMonth, cursor, upper int64) (string, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO mass_cap_months (account_id, month, batches) VALUES (?, ?, 1)
		ON CONFLICT (account_id, month) DO UPDATE SET batches = mass_cap_months.batches + 1`, accountID, m.key); err != nil {
		return "", err
	}
	sends, err := monthSends(ctx, tx, accountID, sendID, m)
	if err != nil || len(sends) < calendar.ServicePerFollower {
		return "", err
	}
	// The ids come from the database as integers: written into the
	// statement, they give both planners an exact list, with no limit on
	// bound parameters however many sends the month holds.
	var list strings.Builder
	for i, s := range sends {
		if i > 0 {
			list.WriteByte(',')
		}
		list.WriteString(strconv.FormatInt(s, 10))
	}
	return ` AND f.person_id NOT IN (SELECT r.person_id FROM broadcast_recipients r WHERE r.send_id IN (` + list.String() + `)
		AND r.person_id > ` + strconv.FormatInt(cursor, 10) + ` AND r.person_id <= ` + strconv.FormatInt(upper, 10) + `
		GROUP BY r.person_id HAVING COUNT(*) >= ` + strconv.Itoa(calendar.ServicePerFollower) + `)`, nil
}

// monthSends returns the account's other sends (their send ids) that
// started in month m.
func monthSends(ctx context.Context, q db.Querier, accountID, sendID int64, m capMonth) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM broadcasts WHERE account_id = ? AND id = send_id AND created_at >= ? AND created_at < ? AND id <> ?`,
		accountID, m.start, m.end, sendID)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}
