package apitoken

import "database/sql"

type sqlRows = sql.Rows
