package message

import "database/sql"

type sqlRows = sql.Rows

var errNoRows = sql.ErrNoRows
