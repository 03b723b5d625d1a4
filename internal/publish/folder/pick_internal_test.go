package folder

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The pick from the node's copy equals ranking every followed account by
// its time: with the read's changes laid over the copy (a newer time, an
// account no longer pickable, one new to the copy), excluded accounts left
// out, readers following many or few accounts, and when the walk of the
// copy runs past its budget (a reader whose accounts published long ago)
// and ranks by lookups instead.
func TestPickerTopRanksTheFollowedAccounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := &pickTimes{xmin: "1"} // one copy, so that rounds reuse its pickers
	for round := range 300 {
		n := 1 + r.IntN(3000)
		if round%5 == 0 {
			n = 6000 + r.IntN(6000) // beyond the walk's budget for a reader of the oldest
		}
		at := make(map[int64]int64, n)
		for i := range n {
			// Few distinct times, so that ties are broken by id.
			at[int64(1000+i*7)] = int64(1 + r.IntN(n/3+1))
		}
		p.at, p.order = at, ordered(at)
		ids := make([]int64, 0, n)
		for id := range at {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var followed []int64
		share := []float64{0.001, 0.01, 0.3, 1}[round%4]
		for _, id := range ids {
			if r.Float64() < share {
				followed = append(followed, id)
			}
		}
		if round%5 == 0 {
			// Follow only the oldest accounts: the walk's budget runs out.
			followed = followed[:0]
			for _, e := range p.order[len(p.order)-min(len(p.order), 20):] {
				followed = append(followed, e.id)
			}
			slices.Sort(followed)
		}
		followed = append(followed, 99) // followed, but not pickable (not in the copy)
		var changes []pickChange
		for range r.IntN(5) {
			id := ids[r.IntN(len(ids))]
			changes = append(changes, pickChange{id: id, last: int64(r.IntN(n/2 + 2))}) // 0: no longer pickable
		}
		changes = append(changes, pickChange{id: 99, last: int64(r.IntN(n + 1))}) // new to the copy
		var excluded []int64
		if len(followed) > 1 && r.IntN(2) == 0 {
			excluded = append(excluded, followed[r.IntN(len(followed))])
		}

		// Brute force.
		var want []pickEntry
		for _, id := range followed {
			last, ok := at[id]
			for _, c := range changes {
				if c.id == id {
					last, ok = c.last, c.last > 0
				}
			}
			if ok && !slices.Contains(excluded, id) {
				want = append(want, pickEntry{id, last})
			}
		}
		slices.SortFunc(want, newer)

		text := make([]string, len(followed))
		for i, id := range followed {
			text[i] = strconv.FormatInt(id, 10)
		}
		r.Shuffle(len(text), func(i, j int) { text[i], text[j] = text[j], text[i] })
		pk, err := p.newPicker(strings.Join(text, ","), changes, excluded)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 21, 81, 321} {
			got := pk.top(k)
			w := want[:min(k, len(want))]
			if len(got) != len(w) {
				t.Fatalf("round %d, top(%d): %d accounts, want %d", round, k, len(got), len(w))
			}
			for i := range got {
				if got[i].id != w[i].id || got[i].last != w[i].last {
					t.Fatalf("round %d, top(%d)[%d] = %d at %d, want %d at %d", round, k, i, got[i].id, got[i].last, w[i].id, w[i].last)
				}
			}
		}
		pk.release() // the next round's read may take it again: nothing of this one's may remain
	}
}

func TestNewPickerRefusesMalformedIDs(t *testing.T) {
	p := &pickTimes{at: map[int64]int64{}, xmin: "1"}
	for _, s := range []string{"1,,2", ",", "1,x", "12345678901234567890", "-1", "1 ,2"} {
		if _, err := p.newPicker(s, nil, nil); err == nil {
			t.Errorf("newPicker(%q) accepted it", s)
		}
	}
	pk, err := p.newPicker("", nil, nil)
	if err != nil || len(pk.top(20)) != 0 {
		t.Fatalf("no followed accounts: %v, %d picked", err, len(pk.top(20)))
	}
}
