package db

import (
	"reflect"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every SQLite connection is opened with the query planner stability
// guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) on. modernc.org/sqlite is built
// with SQLITE_ENABLE_STAT4: once ANALYZE has sampled an index, a statement
// comparing that index's column with a ? is planned for the value bound,
// and SQLite throws the prepared program away and parses and plans the
// statement again whenever a different value is bound — on nearly every
// run, for a read keyed by a person or an account. The statement cache
// (stmtcache.go) then saves nothing: in the Subscriptions folder benchmark,
// which runs ANALYZE, re-preparing was a quarter of the CPU. With the
// guarantee SQLite plans each statement once, from the statistics and not
// the bound values, and runs the same program every time.
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
// otherwise (TestQPSG then fails).
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
