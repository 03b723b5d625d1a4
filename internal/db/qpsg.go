package db

import (
	"reflect"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every SQLite connection is opened with the query planner stability
// guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) on. Without it SQLite plans some
// statements for the values bound to them and marks them to be parsed and
// planned again whenever a parameter is bound anew, which for a cached
// statement is every run: modernc.org/sqlite is built with
// SQLITE_ENABLE_STAT4, so once ANALYZE has sampled an index every
// statement comparing its column with a ? is such a statement, and even
// without statistics the Subscriptions folder's merge statement (20
// sub-selects, each with its LIMIT ?) was one. The statement cache
// (stmtcache.go) then saved nothing: re-preparing was a fifth to a
// quarter of the folder's CPU. With the guarantee SQLite plans each
// statement once and runs the same program every time.
func init() {
	sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		if tls, h, ok := sqliteHandle(c); ok {
			dbConfig(tls, h, sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, 1)
		}
		return nil
	})
}

// sqliteHandle returns the sqlite3 handle of a modernc.org/sqlite
// connection and the libc state to call SQLite with. The driver keeps both
// in unexported fields (db, tls) and offers no sqlite3_db_config for this
// option; ok is false if a later version of the driver names them
// otherwise (TestPlanDoesNotFollowBoundValues then fails).
func sqliteHandle(c any) (tls *libc.TLS, h uintptr, ok bool) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, 0, false
	}
	s := v.Elem()
	hf, tf := s.FieldByName("db"), s.FieldByName("tls")
	if !hf.IsValid() || hf.Kind() != reflect.Uintptr || hf.Uint() == 0 ||
		!tf.IsValid() || tf.Type() != reflect.TypeFor[*libc.TLS]() || tf.IsNil() {
		return nil, 0, false
	}
	return (*libc.TLS)(tf.UnsafePointer()), uintptr(hf.Uint()), true
}

// dbConfig calls sqlite3_db_config(h, op, onoff, NULL) for a boolean
// option and reports whether SQLite accepted it.
func dbConfig(tls *libc.TLS, h uintptr, op int32, onoff int32) bool {
	// The two variadic arguments, each in an 8-byte slot as libc.VaList
	// lays them out.
	p := libc.Xmalloc(tls, 16)
	if p == 0 {
		return false
	}
	defer libc.Xfree(tls, p)
	return sqlite3.Xsqlite3_db_config(tls, h, op, libc.VaList(p, onoff, uintptr(0))) == sqlite3.SQLITE_OK
}
