package publish

import (
	"context"
	"errors"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// WeChat's msg_data_id names the articles of one publish or mass send
// (freepublish/submit and message/mass/* answer it; comment/* and the
// analytics take it, with an article index). In Herald it is the
// publication's public number (Publication.MsgDataID, from the msg_data_id
// counter, given when the draft is made): the same number whether the
// publication was published from the console or the API, or mass-sent.
// Like publish_id and msg_id (Job.APIID) it is a small number, below 2^53,
// so JavaScript SDKs read it exactly. Use only these functions to go
// between the two, so every API family agrees.

// Counter names (db.NextNumber) of the publishing API's public numbers.
const (
	counterMsgData = "msg_data_id"  // Publication.MsgDataID
	counterJob     = "publish_job"  // Job.APIID: publish_id or msg_id
	counterPreview = "mass_preview" // msg_id of a mass/preview
)

// MsgDataID returns the msg_data_id of the account's publication pubID.
func (s *Store) MsgDataID(ctx context.Context, accountID, pubID int64) (_ int64, err error) {
	defer errs.Wrap(&err, "publish.Store.MsgDataID(%d, %d)", accountID, pubID)
	var n int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT COALESCE(msg_data_id, 0) FROM publications WHERE id = ? AND account_id = ?`, pubID, accountID), &n)
	if err == nil && n == 0 {
		err = errs.NotFoundf("No such publication.")
	}
	return n, err
}

// PublicationOfMsgData returns the id of the account's publication whose
// msg_data_id is msgDataID (errs.NotFound for another account's or a
// number no publication has).
func (s *Store) PublicationOfMsgData(ctx context.Context, accountID, msgDataID int64) (_ int64, err error) {
	defer errs.Wrap(&err, "publish.Store.PublicationOfMsgData(%d, %d)", accountID, msgDataID)
	if msgDataID <= 0 {
		return 0, errs.NotFoundf("No such publication.")
	}
	var id int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT id FROM publications WHERE msg_data_id = ? AND account_id = ?`, msgDataID, accountID), &id)
	if errors.Is(err, errs.NotFound) {
		return 0, errs.NotFoundf("No such publication.")
	}
	return id, err
}

// MsgDataArticle returns article index (0-based, as WeChat counts) of the
// account's published publication msgDataID. A msg_data_id of another
// account, a draft, a deleted publication or article, or an index past the
// end is errs.NotFound.
func (s *Store) MsgDataArticle(ctx context.Context, accountID, msgDataID int64, index int) (_ *Article, err error) {
	defer errs.Wrap(&err, "publish.Store.MsgDataArticle(%d, %d)", accountID, msgDataID)
	if msgDataID <= 0 || index < 0 {
		return nil, errs.NotFoundf("No such article.")
	}
	a, err := scanArticle(s.db.QueryRow(ctx, `SELECT `+articleCols+` FROM articles
		WHERE account_id = ? AND idx = ? AND deleted = FALSE
		AND publication_id = (SELECT p.id FROM publications p WHERE p.msg_data_id = ? AND p.account_id = ? AND p.state = 'published')`,
		accountID, index, msgDataID, accountID))
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("No such article.")
	}
	return a, err
}
