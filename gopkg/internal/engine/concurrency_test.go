package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestManyGoroutinesOneTransport: 8 goroutines share one Transport, each in
// its own slot of every PE, mixing blocking, NBI, Quiet and Fence. The heaps
// are Go memory so -race checks every hand-over between workers and callers.
func TestManyGoroutinesOneTransport(t *testing.T) {
	const (
		goroutines = 8
		slot       = 96 << 10
		rounds     = 120
	)
	h := goHeaps(t, pairPEs, goroutines*slot)
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			tr := openEngine(t, kind, Config{Bases: h.bases, HeapSize: h.size, ChunkSize: 8<<10 + 3})
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := range goroutines {
				wg.Go(func() { errs <- exercise(tr, h, g, slot, rounds) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
		})
	}
}

// exercise does rounds of put-then-get-back in goroutine g's slot.
func exercise(tr Transport, h *simHeaps, g int, slot uintptr, rounds int) error {
	rng := rand.New(rand.NewPCG(uint64(g), 99))
	src := make([]byte, slot)
	back := make([]byte, slot)
	for round := range rounds {
		pe := rng.IntN(len(h.bases))
		n := uintptr(1 + rng.IntN(int(slot)-1))
		if round%3 == 0 {
			n = uintptr(1 + rng.IntN(64))
		}
		off := uintptr(g)*slot + uintptr(rng.IntN(int(slot-n)+1))
		for i := range src[:n] {
			src[i] = byte(rng.Uint32())
		}
		where := fmt.Sprintf("goroutine %d round %d: PE %d off %d n %d", g, round, pe, off, n)
		if round%2 == 0 {
			if err := tr.PutNBI(pe, off, addrOf(src), n); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if err := tr.Fence(); err != nil {
				return err
			}
			if err := tr.GetNBI(addrOf(back), pe, off, n); err != nil {
				return err
			}
			if err := tr.Quiet(); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		} else {
			if err := tr.Put(pe, off, addrOf(src), n); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if err := tr.Get(addrOf(back), pe, off, n); err != nil {
				return err
			}
		}
		if !bytes.Equal(src[:n], back[:n]) {
			return fmt.Errorf("%s: data differs", where)
		}
	}
	return nil
}
