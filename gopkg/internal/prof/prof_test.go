package prof

import (
	"strings"
	"sync"
	"testing"
)

func TestAddAndSnapshot(t *testing.T) {
	tb := New(3, 4)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				tb.Add(Put, 2, 8, 5)
			}
		}()
	}
	wg.Wait()
	tb.Add(Quiet, -1, 0, 7)
	tb.Add(Put, 4, 1, 1)      // no such peer: ignored
	tb.Add(numKinds, 0, 1, 1) // no such kind: ignored
	got := tb.Snapshot()
	want := "3\n0,2,800,6400,4000\n7,0,1,0,7\n"
	if got != want {
		t.Fatalf("snapshot %q, want %q", got, want)
	}
	if len(KindNames) != numKinds || strings.Contains(strings.Join(KindNames[:], ""), " ") {
		t.Fatal("kind names")
	}
}
