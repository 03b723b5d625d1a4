package db

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"

	"modernc.org/sqlite"
)

// Unavailable reports whether err says the database cannot serve right now
// (it cannot be reached, the connection was lost, the pool is closed, the
// server is shutting down or full, SQLite's file is locked, unreadable or
// its disk full), as opposed to a mistake in a query or the data. Faces
// answer such errors with 503 and a page asking to try again.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if pgConnectError(err) {
		return true
	}
	if code := pgCode(err); code != "" {
		switch {
		case strings.HasPrefix(code, "08"): // connection exception
			return true
		case code == "57P01", code == "57P02", code == "57P03": // shutting down, cannot connect now
			return true
		case code == "53300", code == "53100": // too many connections, disk full
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6, 10, 13, 14: // BUSY, LOCKED, IOERR, FULL, CANTOPEN
			return true
		}
		return false
	}
	// A network error on the way to the database (but not an outbound HTTP
	// request's, which is the remote server's failure, not ours).
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ne) && !errors.As(err, &ue) {
		return true
	}
	// database/sql's "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "sql: database is closed")
}
