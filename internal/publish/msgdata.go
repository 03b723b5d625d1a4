package publish

import (
	"context"
	"errors"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// WeChat's msg_data_id names the articles of one publish or mass send
// (freepublish/submit and message/mass/* answer it; comment/* and the
// analytics take it, with an article index). In Herald it is the id of the
// publication: the same number whether the publication was published from
// the console or the API, or mass-sent. Use only these two functions to go
// between the two, so every API family agrees.

// MsgDataID returns the msg_data_id of a publication.
func MsgDataID(publicationID int64) int64 { return publicationID }

// PublicationOfMsgData returns the publication id a msg_data_id names
// (errs.NotFound for a number no publication can have).
func PublicationOfMsgData(msgDataID int64) (int64, error) {
	if msgDataID <= 0 {
		return 0, errs.NotFoundf("No such publication.")
	}
	return msgDataID, nil
}

// MsgDataArticle returns article index (0-based, as WeChat counts) of the
// account's published publication msgDataID. A msg_data_id of another
// account, a draft, a deleted publication or article, or an index past the
// end is errs.NotFound.
func (s *Store) MsgDataArticle(ctx context.Context, accountID, msgDataID int64, index int) (*Article, error) {
	pubID, err := PublicationOfMsgData(msgDataID)
	if err != nil || index < 0 {
		return nil, errs.NotFoundf("No such article.")
	}
	a, err := scanArticle(s.db.QueryRow(ctx, `SELECT `+articleCols+` FROM articles
		WHERE publication_id = ? AND account_id = ? AND idx = ? AND deleted = FALSE
		AND EXISTS (SELECT 1 FROM publications p WHERE p.id = articles.publication_id AND p.state = 'published')`, pubID, accountID, index))
	if errors.Is(err, db.ErrNotFound) {
		return nil, errs.NotFoundf("No such article.")
	}
	return a, err
}
