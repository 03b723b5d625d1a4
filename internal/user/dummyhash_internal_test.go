package user

import (
	"strings"
	"testing"
)

// The hash checked for unknown logins has the parameters of a real one
// (HashPassword's), so that checking it takes as long as checking a real
// password, and it is the hash of the text it says.
func TestDummyHashLikeARealOne(t *testing.T) {
	fresh, err := HashPassword("x")
	if err != nil {
		t.Fatal(err)
	}
	params := func(h string) string {
		p := strings.Split(h, "$")
		return strings.Join(p[:4], "$") + "$" + strings.Repeat("s", len(p[4])) + "$" + strings.Repeat("k", len(p[5]))
	}
	if got, want := params(dummyHash), params(fresh); got != want {
		t.Errorf("dummy hash shaped %s, a real one %s: update dummyHash to a HashPassword of the new parameters", got, want)
	}
	if ok, err := CheckPassword(dummyHash, "not a real password"); !ok || err != nil {
		t.Errorf("dummy hash does not match its password: %v, %v", ok, err)
	}
}
