package id

import "testing"

func TestBlockIsNeverReissued(t *testing.T) {
	g := NewGenerator()
	first := g.Block(100000)
	for i := 0; i < 1000; i++ {
		if n := g.Next(); n <= first+100000 {
			t.Fatalf("id %d falls inside the reserved block starting %d", n, first)
		}
	}
}
