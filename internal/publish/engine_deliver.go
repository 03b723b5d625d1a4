package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

// deliver writes one delivery per recipient, batch by batch in each lane:
// a Service account's send is stored once (a broadcast) and each batch
// adds its recipients; a Subscription account's plain message is one chat
// message per recipient (with conversation upserts), and its tag-targeted
// publication one folder delivery per recipient.
func (e *Engine) deliver(ctx context.Context, a *account.Account, j *Job, publishedAt int64) error {
	s := e.Store
	// A Service account's publication, and any plain message, goes into the
	// recipients' chats; a Subscription account's publication into their
	// folders.
	var parts []chatPart
	switch {
	case j.PublicationID == 0:
		for _, b := range j.Message.Parts {
			raw, err := json.Marshal(b)
			if err != nil {
				return err
			}
			parts = append(parts, chatPart{kind: j.Message.Kind, body: string(raw), msg: b, preview: (&message.Message{Kind: j.Message.Kind, Body: b}).Preview()})
		}
	case a.IsService():
		b, err := s.messageBody(ctx, j.PublicationID)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(b)
		if err != nil {
			return err
		}
		parts = []chatPart{{kind: message.KindPublication, body: string(raw), msg: *b, preview: (&message.Message{Kind: message.KindPublication, Body: *b}).Preview()}}
	}
	var bc *broadcast
	if a.IsService() {
		var err error
		if bc, err = e.broadcast(ctx, j, parts); err != nil {
			return err
		}
		bc.month = capMonthOf(bc.created, a.Location())
	}
	lanes, err := e.lanes(ctx, j, bc == nil && len(parts) > 0)
	if err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(lanes))
	var mu sync.Mutex // guards j's counters
	for _, l := range lanes {
		if l.done {
			errc <- nil
			continue
		}
		go func(l lane) {
			err := e.runLane(lctx, j, &mu, l, bc, parts, publishedAt)
			if err != nil {
				cancel() // one lane failing stops the others; the job resumes later
			}
			errc <- err
		}(l)
	}
	var first error
	for range lanes {
		if err := <-errc; err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return first
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var open int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM publish_job_lanes WHERE job_id = ? AND done = FALSE`, j.ID), &open); err != nil {
			return err
		}
		if open > 0 {
			return fmt.Errorf("publish: job %d has %d unfinished lanes", j.ID, open)
		}
		return e.finish(ctx, tx, j)
	})
}

// chatPart is one chat message each recipient gets (a send of several
// images is several messages).
type chatPart struct {
	kind, body, preview string
	msg                 message.Body
}

// broadcast is a Service account's send stored once: one broadcasts row
// per part (ids from sendID up), the recipients under sendID.
type broadcast struct {
	sendID  int64
	ids     []int64
	parts   []chatPart
	created time.Time
	month   capMonth // the month it counts in for the per-follower cap
}

// broadcast returns the job's broadcast, storing its parts on the first
// run. The job's row is updated first, under the lease, so that a worker
// that lost the job waits and then stores nothing.
func (e *Engine) broadcast(ctx context.Context, j *Job, parts []chatPart) (*broadcast, error) {
	s := e.Store
	bc := &broadcast{parts: parts}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE publish_jobs SET lease_until = lease_until WHERE id = ? AND lease_owner = ? AND state = 'running'`, j.ID, e.owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLostLease
		}
		var created int64
		rows, err := tx.Query(ctx, `SELECT id, created_at FROM broadcasts WHERE job_id = ? ORDER BY id`, j.ID)
		ids, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
			var v int64
			return v, r.Scan(&v, &created)
		})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			first, now := id.NewBlock(int64(len(parts))), db.Micro(s.clock.Now())
			created = now
			for i, p := range parts {
				if _, err := tx.Exec(ctx, `INSERT INTO broadcasts (id, send_id, account_id, job_id, kind, body, preview, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, first+int64(i), first, j.AccountID, j.ID, p.kind, p.body, p.preview, now); err != nil {
					return err
				}
				ids = append(ids, first+int64(i))
			}
		}
		if len(ids) != len(parts) {
			return fmt.Errorf("publish: job %d has %d broadcast parts, its message %d", j.ID, len(ids), len(parts))
		}
		bc.sendID, bc.ids, bc.created = ids[0], ids, db.FromMicro(created)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return bc, nil
}

// runLane delivers one lane's batches until the lane is done: recipients of
// a broadcast (bc), chat messages (parts, with conversation upserts) or,
// when both are empty, folder deliveries of the publication.
func (e *Engine) runLane(ctx context.Context, j *Job, mu *sync.Mutex, l lane, bc *broadcast, parts []chatPart, publishedAt int64) error {
	s := e.Store
	size := e.batchSize()
	cursor := l.cursor
	for {
		upper, err := e.boundary(ctx, j, l, cursor, size)
		if err != nil {
			return err
		}
		from, args := recipients(j, l, cursor, upper)
		var firstIDs []int64
		var sent, capped int64
		now := db.Micro(s.clock.Now())
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			// Holding the lane row (at the cursor we expect) first makes a
			// second worker wait here and then find the cursor moved.
			res, err := tx.Exec(ctx, `UPDATE publish_job_lanes SET batches = batches + 1 WHERE job_id = ? AND lane = ? AND cursor_id = ? AND done = FALSE`,
				j.ID, l.lane, cursor)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errLostLease
			}
			if tx.Dialect() == db.Postgres {
				// JIT compiling these bulk statements costs more than running them.
				if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
					return err
				}
			}
			// A Service send leaves out the followers who already received
			// the month's cap (cap.go); then the count also says how many
			// were eligible, to tell how many the cap skipped.
			var capCond string
			if bc != nil {
				if capCond, err = capFilter(ctx, tx, j.AccountID, bc.sendID, bc.month, cursor, upper); err != nil {
					return err
				}
			}
			var total, eligible int64
			count := `SELECT COUNT(*), 0`
			if capCond != "" {
				count = `SELECT COUNT(*), COALESCE(SUM(CASE WHEN f.blocked THEN 0 ELSE 1 END), 0)`
			}
			if err := db.Get(tx.QueryRow(ctx, count+from, args...), &total, &eligible); err != nil {
				return err
			}
			switch {
			case bc != nil:
				// One narrow row per recipient, in key order; the parts were
				// stored once before the first batch.
				res, err = tx.Exec(ctx, `INSERT INTO broadcast_recipients (send_id, person_id)
					SELECT CAST(? AS BIGINT), f.person_id`+from+` AND f.blocked = FALSE`+capCond+` ORDER BY f.person_id`,
					append([]any{bc.sendID}, args...)...)
				if err != nil {
					return err
				}
				sent, _ = res.RowsAffected()
				if capCond != "" {
					capped = eligible - sent
				}
			case len(parts) > 0:
				// Every part goes to the same recipients in the same order, so
				// each gets its own block of ids and the conversations are
				// computed from the narrow follows rows with the last part's
				// ids rather than read back from the messages just written.
				firstIDs = firstIDs[:0]
				for i, p := range parts {
					firstID := id.NewBlock(int64(size))
					firstIDs = append(firstIDs, firstID)
					res, err = tx.Exec(ctx, `INSERT INTO messages (id, account_id, person_id, direction, kind, sender, agent_id, body, created_at)
						SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY f.person_id) - 1, f.account_id, f.person_id, 'out', ?, 'mass', 0, ?, ?`+from+` AND f.blocked = FALSE`,
						append([]any{firstID, p.kind, p.body, now}, args...)...)
					if err != nil {
						return err
					}
					if i == 0 {
						sent, _ = res.RowsAffected()
					}
				}
				if sent > 0 {
					last := parts[len(parts)-1]
					if _, err := tx.Exec(ctx, message.ConversationOutInsert+`
						SELECT f.account_id, f.person_id, CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY f.person_id) - 1, ?, ?, ?`+from+` AND f.blocked = FALSE`+
						message.ConversationOutUpsert,
						append([]any{firstIDs[len(firstIDs)-1], now, last.preview, len(parts)}, args...)...); err != nil {
						return err
					}
				}
			default:
				res, err = tx.Exec(ctx, `INSERT INTO folder_deliveries (person_id, at, publication_id, account_id)
					SELECT f.person_id, ?, ?, f.account_id`+from+` AND f.blocked = FALSE ON CONFLICT (person_id, at, publication_id) DO NOTHING`,
					append([]any{publishedAt, j.PublicationID}, args...)...)
				if err != nil {
					return err
				}
				sent, _ = res.RowsAffected()
			}
			mu.Lock()
			batch := j.Batches + 1
			mu.Unlock()
			if e.opts.BatchHook != nil {
				if err := e.opts.BatchHook(ctx, j, batch); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE publish_job_lanes SET cursor_id = ?, done = ? WHERE job_id = ? AND lane = ?`,
				upper, upper == maxID, j.ID, l.lane); err != nil {
				return err
			}
			// Last, so that lanes hold the job row only while committing.
			res, err = tx.Exec(ctx, `UPDATE publish_jobs SET total_count = total_count + ?, filter_count = filter_count + ?,
				sent_count = sent_count + ?, capped_count = capped_count + ?, batches = batches + 1, lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'`,
				total, sent, sent, capped, now+e.lease().Microseconds(), j.ID, e.owner)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errLostLease
			}
			mu.Lock()
			j.TotalCount += total
			j.FilterCount += sent
			j.SentCount += sent
			j.CappedCount += capped
			j.Batches++
			mu.Unlock()
			return nil
		})
		if err != nil {
			return err
		}
		if bc != nil && sent > 0 && sent <= 2000 {
			e.announceBroadcast(ctx, j, l, bc, cursor, upper)
		}
		if bc == nil && len(parts) > 0 && sent > 0 && sent <= 2000 {
			for _, firstID := range firstIDs {
				e.announce(ctx, j, firstID, firstID+sent)
			}
		}
		mu.Lock()
		e.progress(j)
		mu.Unlock()
		if upper == maxID {
			return nil
		}
		cursor = upper
	}
}

// messageBody is the chat message a Service account's mass send delivers.
func (s *Store) messageBody(ctx context.Context, pubID int64) (*message.Body, error) {
	rows, err := s.db.Query(ctx, `SELECT id, title, digest, cover_media_id FROM articles WHERE publication_id = ? AND deleted = FALSE ORDER BY idx`, pubID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &message.Body{PublicationID: pubID}
	for rows.Next() {
		var aid int64
		var title, digest, cover string
		if err := rows.Scan(&aid, &title, &digest, &cover); err != nil {
			return nil, err
		}
		b.Articles = append(b.Articles, message.Article{Title: title, Description: digest, URL: ArticlePath(aid), PicURL: MediaPath(cover)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(b.Articles) == 0 {
		return nil, errs.Conflictf("The publication has no articles.")
	}
	b.Title, b.Description, b.URL = b.Articles[0].Title, b.Articles[0].Description, b.Articles[0].URL
	return b, nil
}
