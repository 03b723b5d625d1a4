package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Rows copied in a BulkTx are seen by the transaction's own statements (on
// PostgreSQL the COPY runs on the transaction's connection), and a rolled
// back transaction leaves neither the rows nor its temporary table.
func TestBulkTxCopyIn(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	create := `CREATE TEMP TABLE bulk_in (n BIGINT NOT NULL, s TEXT NOT NULL)`
	if d.Dialect() == db.Postgres {
		create += ` ON COMMIT DROP`
	}
	errStop := errors.New("stop")
	for _, rowsPerStmt := range []int{1, 7, 500} {
		err := d.BulkTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, create); err != nil {
				return err
			}
			i := 0
			n, err := tx.CopyIn(ctx, "bulk_in", []string{"n", "s"}, rowsPerStmt, func() ([]any, error) {
				if i == 1000 {
					return nil, nil
				}
				i++
				return []any{int64(i), fmt.Sprintf("row %d", i)}, nil
			})
			if err != nil || n != 1000 {
				t.Fatalf("%d rows a statement: copied %d: %v", rowsPerStmt, n, err)
			}
			var count, sum int64
			var last string
			if err := tx.QueryRow(ctx, `SELECT COUNT(*), SUM(n), MAX(s) FROM bulk_in`).Scan(&count, &sum, &last); err != nil {
				return err
			}
			if count != 1000 || sum != 500500 || last != "row 999" {
				t.Fatalf("%d rows a statement: the transaction sees %d rows, sum %d, max %q", rowsPerStmt, count, sum, last)
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatal(err)
		}
	}
	// The temporary table went with the rollback: it can be made again.
	if err := d.BulkTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, create)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
