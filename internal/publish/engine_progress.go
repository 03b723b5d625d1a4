package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
)

// announce tells recipients' open chats about their new message (only for
// small batches: big sends let chats refresh on their own).
func (e *Engine) announce(ctx context.Context, j *Job, from, to int64) {
	s := e.Store
	if s.deps.Bus == nil {
		return
	}
	rows, err := s.db.Query(ctx, `SELECT id, person_id, kind, body, created_at FROM messages WHERE id >= ? AND id < ? AND account_id = ?`, from, to, j.AccountID)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var m message.Message
		var body string
		var created int64
		if rows.Scan(&m.ID, &m.PersonID, &m.Kind, &body, &created) != nil {
			return
		}
		if json.Unmarshal([]byte(body), &m.Body) != nil {
			continue
		}
		m.AccountID, m.Direction, m.Sender, m.CreatedAt = j.AccountID, message.Out, message.SenderMass, db.FromMicro(created)
		s.deps.Bus.Publish(realtime.PersonTopic(m.PersonID), realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: &m})
	}
}

// announceBroadcast tells the open chats of a small batch's recipients
// (the lane's person ids in (cursor, upper]) about the broadcast.
func (e *Engine) announceBroadcast(ctx context.Context, j *Job, l lane, bc *broadcast, cursor, upper int64) {
	s := e.Store
	if s.deps.Bus == nil {
		return
	}
	laneCond, args := "", []any{bc.sendID, cursor, upper}
	if l.lanes > 1 {
		laneCond = ` AND (person_id % ?) % ? = ?`
		args = append(args, laneMod, l.lanes, l.lane)
	}
	rows, err := s.db.Query(ctx, `SELECT person_id FROM broadcast_recipients WHERE send_id = ? AND person_id > ? AND person_id <= ?`+laneCond, args...)
	people, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return
	}
	for _, p := range people {
		for i, part := range bc.parts {
			m := &message.Message{ID: bc.ids[i], AccountID: j.AccountID, PersonID: p, Direction: message.Out, Kind: part.kind,
				Sender: message.SenderMass, Body: part.msg, CreatedAt: bc.created}
			s.deps.Bus.Publish(realtime.PersonTopic(p), realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: m})
		}
	}
}

// progress tells the account's console pages how far the job is.
func (e *Engine) progress(j *Job) {
	if e.Store.deps.Bus == nil {
		return
	}
	e.Store.deps.Bus.Publish(realtime.AccountTopic(j.AccountID), realtime.Event{Type: "mass_progress", Data: map[string]any{
		"job_id": fmt.Sprint(j.ID), "state": j.State, "expected": j.Expected, "total": j.TotalCount, "filter": j.FilterCount,
		"sent": j.SentCount, "errors": j.ErrorCount, "capped": j.CappedCount, "percent": j.Percent(),
	}})
}
