package account_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Discover finds a Chinese name by any of its characters, in Simplified or
// Traditional writing, by pinyin with or without spaces and by initials;
// names that begin with the query come before names that merely contain
// it; accounts made before search keys existed are still found, and get
// their keys filled.
func TestSearchFindsChineseNames(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	accounts := account.NewStore(d, &clock.Offset{})
	mk := func(name string) int64 {
		a, err := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: name, Status: account.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	lotus, tea, bank := mk("莲心茶舍"), mk("茶与莲 Tea"), mk("Harbour Bank")
	old := mk("北京书店")
	if _, err := d.Exec(ctx, `UPDATE accounts SET search_key = '' WHERE id = ?`, old); err != nil {
		t.Fatal(err)
	}
	names := func(q string) string {
		list, err := accounts.Search(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, a := range list {
			out = append(out, a.ID)
		}
		return fmt.Sprint(out)
	}
	ids := func(v ...int64) string { return fmt.Sprint(v) }
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"莲", ids(lotus, tea)},    // the name that begins with 莲 first
		{"蓮心", ids(lotus)},        // Traditional characters
		{"lian", ids(lotus, tea)}, // pinyin: lianxinchashe begins with it
		{"Lian Xin", ids(lotus)},  // pinyin written with a space
		{"lxcs", ids(lotus)},      // initials
		{"ＢＡＮＫ", ids(bank)},       // full-width letters
		{"书店", ids(old)},          // a row without a key, by its name
		{"shudian", ids()},        // ... but not by pinyin until filled
		{"zzz", ids()},
	} {
		if got := names(tc.q); got != tc.want {
			t.Errorf("Search(%q) = %s, want %s", tc.q, got, tc.want)
		}
	}
	n, err := accounts.FillSearchKeys(ctx)
	if err != nil || n != 1 {
		t.Fatalf("filled %d: %v", n, err)
	}
	if got := names("shudian"); got != ids(old) {
		t.Errorf("after filling, shudian finds %s", got)
	}
	if n, err := accounts.FillSearchKeys(ctx); err != nil || n != 0 {
		t.Errorf("a second fill wrote %d: %v", n, err)
	}
}
