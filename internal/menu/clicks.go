package menu

import (
	"context"
	"database/sql"
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

type sqlRows = sql.Rows

// RecordClick stores one menu click (event CLICK, key) or link opened
// (event VIEW, key = the URL).
func (s *Store) RecordClick(ctx context.Context, accountID, personID int64, event, key string) (err error) {
	defer errs.Wrap(&err, "menu.Store.RecordClick(%d, %d)", accountID, personID)
	if len(key) > MaxURLBytes {
		key = key[:MaxURLBytes]
	}
	_, err = s.db.Exec(ctx, `INSERT INTO menu_clicks (id, account_id, person_id, event, button_key, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id.New(), accountID, personID, event, key, db.Micro(s.clock.Now()))
	return err
}

// ButtonClicks is the click count of one button (key, or URL for links).
type ButtonClicks struct {
	Event   string
	Key     string
	Clicks  int64
	Persons int64 // distinct followers
}

// ClicksByButton counts the account's menu clicks in [from, to), most
// clicked first.
func (s *Store) ClicksByButton(ctx context.Context, accountID int64, from, to time.Time) (_ []ButtonClicks, err error) {
	defer errs.Wrap(&err, "menu.Store.ClicksByButton(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT event, button_key, COUNT(*), COUNT(DISTINCT person_id) FROM menu_clicks
		WHERE account_id = ? AND created_at >= ? AND created_at < ?
		GROUP BY event, button_key ORDER BY COUNT(*) DESC, button_key`, accountID, db.Micro(from), db.Micro(to))
	return db.Collect(rows, err, func(r *sqlRows) (ButtonClicks, error) {
		var b ButtonClicks
		return b, r.Scan(&b.Event, &b.Key, &b.Clicks, &b.Persons)
	})
}

// ArticleFunc turns an article_id into the card sent for an article_id
// button; the publishing feature provides it.
type ArticleFunc func(ctx context.Context, accountID int64, articleID string) (message.Article, error)

// ConsoleMediaPrefix is where the console's menu editor stores the images
// of an account's media_id buttons (their media_id is the media-store key).
func ConsoleMediaPrefix(accountID int64) string {
	return "menu/" + strconv.FormatInt(accountID, 10) + "/"
}

// MediaFunc turns a media_id into a stored image (media store key and
// content type); the media library provides it. When it has none (or
// returns errs.NotFound), a media_id under ConsoleMediaPrefix is the
// media-store key of an image uploaded in the console's editor.
type MediaFunc func(ctx context.Context, accountID int64, mediaID string) (key, contentType string, err error)

// Responder records menu clicks for analytics and answers the buttons that
// WeChat answers itself (media_id, view_limited, article_id,
// article_view_limited: they produce no push to the developer's server).
// It runs first in the chain, before the developer's server.
type Responder struct {
	Store    *Store
	Articles ArticleFunc // optional
	Media    MediaFunc   // optional
}

// Respond implements message.Responder.
func (r *Responder) Respond(ctx context.Context, in *message.Inbound) (_ message.Outcome, err error) {
	defer errs.Wrap(&err, "menu.Responder.Respond()")
	if in.Event != message.EventClick && in.Event != message.EventView {
		return message.Outcome{}, nil
	}
	if err := r.Store.RecordClick(ctx, in.Account.ID, in.Follow.PersonID, in.Event, in.Key); err != nil {
		return message.Outcome{}, err
	}
	if in.Event != message.EventClick {
		return message.Outcome{}, nil
	}
	buttons, err := r.Store.ForFollower(ctx, in.Account.ID, in.Follow.PersonID)
	if err != nil {
		return message.Outcome{}, err
	}
	b, ok := Find(buttons, in.Key)
	if !ok {
		return message.Outcome{}, nil
	}
	switch b.Type {
	case TypeText:
		return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply,
			Body: message.Body{Text: b.Value}}}}, nil
	case TypeMediaID, TypeViewLimited:
		return r.image(ctx, in.Account.ID, b.MediaID)
	case TypeImg:
		return r.image(ctx, in.Account.ID, b.Value)
	case TypeArticleID, TypeArticleViewLimited:
		return r.article(ctx, in.Account.ID, b.ArticleID)
	case TypeNews:
		return r.article(ctx, in.Account.ID, b.Value)
	}
	return message.Outcome{}, nil
}

// image answers with the image mediaID names: one of the account's media
// library, or one the console's editor stored for the account.
func (r *Responder) image(ctx context.Context, accountID int64, mediaID string) (message.Outcome, error) {
	key, ct := "", ""
	if r.Media != nil {
		var err error
		key, ct, err = r.Media(ctx, accountID, mediaID)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return message.Outcome{}, err
		}
	}
	if key == "" {
		// An image the console's editor stored for this account; never
		// another account's file, whatever media_id the API was given.
		if !strings.HasPrefix(mediaID, ConsoleMediaPrefix(accountID)) {
			return message.Outcome{Handled: true}, nil
		}
		key, ct = mediaID, contentTypeOf(mediaID)
	}
	return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindImage, Sender: message.SenderAutoReply,
		Body: message.Body{MediaKey: key, MediaType: ct, MediaID: mediaID}}}}, nil
}

// article answers with the card of one of the account's published
// articles; nothing when it is gone or not the account's.
func (r *Responder) article(ctx context.Context, accountID int64, articleID string) (message.Outcome, error) {
	if r.Articles == nil {
		return message.Outcome{Handled: true}, nil
	}
	a, err := r.Articles(ctx, accountID, articleID)
	if err != nil {
		if errs.KindOf(err) == errs.KindInternal && !errors.Is(err, errs.NotFound) {
			return message.Outcome{Handled: true}, err
		}
		return message.Outcome{Handled: true}, nil
	}
	return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindNews, Sender: message.SenderAutoReply,
		Body: message.Body{Articles: []message.Article{a}}}}}, nil
}

// KeywordFunc returns the replies of the account's keyword rules (never
// the default reply) matching text, nil when none matches.
type KeywordFunc func(ctx context.Context, accountID int64, text string) ([]message.Reply, error)

// KeywordResponder answers a click event whose key a keyword rule matches,
// as if the follower had typed the key. It runs after the developer's
// server, so that an account with a server answers its clicks itself; it
// is what lets a "click" button work without one.
type KeywordResponder struct {
	Keywords KeywordFunc
}

// Respond implements message.Responder.
func (k *KeywordResponder) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Event != message.EventClick || in.Key == "" || k.Keywords == nil {
		return message.Outcome{}, nil
	}
	replies, err := k.Keywords(ctx, in.Account.ID, in.Key)
	if err != nil || len(replies) == 0 {
		return message.Outcome{}, err
	}
	return message.Outcome{Handled: true, Replies: replies}, nil
}

func contentTypeOf(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".bmp":
		return "image/bmp"
	}
	return ""
}
