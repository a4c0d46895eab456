package teamsync

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
	"github.com/stretchr/testify/require"
)

// hub is an in-memory rendezvous shared by the PEs of one test: calls of one
// group are matched by their sequence number, as bootstrap's are.
type hub struct {
	mu       sync.Mutex
	rounds   map[string]*round
	barriers atomic.Int64 // Barrier calls, all PEs together
	// fail, when set, fails every Allgather whose group it returns true for.
	fail func(group string) bool
}

type round struct {
	members []int
	data    map[int][]byte
	done    chan struct{}
}

func newHub() *hub { return &hub{rounds: map[string]*round{}} }

// peer is one PE's view of the hub; it is used by that PE only.
type peer struct {
	hub  *hub
	rank int
	size int

	mu  sync.Mutex
	seq map[string]int
}

func (p *peer) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	h := p.hub
	if members == nil {
		for pe := range p.size {
			members = append(members, pe)
		}
	}
	if !slices.Contains(members, p.rank) {
		return nil, fmt.Errorf("PE %d is not in group %s %v", p.rank, group, members)
	}
	if h.fail != nil && h.fail(group) {
		return nil, fmt.Errorf("rendezvous lost for %s", group)
	}
	p.mu.Lock()
	key := fmt.Sprintf("%s#%d", group, p.seq[group])
	p.seq[group]++
	p.mu.Unlock()

	h.mu.Lock()
	r, ok := h.rounds[key]
	if !ok {
		r = &round{members: slices.Clone(members), data: map[int][]byte{}, done: make(chan struct{})}
		h.rounds[key] = r
	}
	r.data[p.rank] = slices.Clone(data)
	if len(r.data) == len(r.members) {
		close(r.done)
	}
	h.mu.Unlock()

	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("allgather %s timed out", key)
	}
	out := make([][]byte, len(members))
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, m := range members {
		out[i] = r.data[m]
	}
	return out, nil
}

func (p *peer) Barrier(group string, members []int) error {
	p.hub.barriers.Add(1)
	_, err := p.Allgather("barrier:"+group, members, nil)
	return err
}

// world is n PEs, each with its own sync area (shared memory, as a real
// segment's) and its own Teams over one hub.
type world struct {
	hub   *hub
	areas []*shmtest.Region
	teams []*Teams
	lost  atomic.Int64
}

// newWorld makes n PEs; shared maps every sync area for every PE, as a job on
// one host does, otherwise barriers go through the rendezvous.
func newWorld(t *testing.T, n int, shared bool) *world {
	w := &world{hub: newHub()}
	w.lost.Store(-1)
	bases := make([]uintptr, n)
	for pe := range n {
		r, err := shmtest.NewRegion(heap.SyncAreaSize)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, r.Close()) })
		w.areas = append(w.areas, r)
		bases[pe] = r.Addr()
	}
	for pe := range n {
		cfg := Config{Rank: pe, Size: n, OpTimeout: 10 * time.Second, Lost: w.lost.Load}
		if shared {
			cfg.SyncBases = bases
		}
		w.teams = append(w.teams, New(&peer{hub: w.hub, rank: pe, size: n, seq: map[string]int{}}, cfg))
	}
	return w
}

// run calls body on the PEs pes (nil: all) at once, each on its own
// goroutine, and waits for all of them.
func (w *world) run(pes []int, body func(pe int, ts *Teams)) {
	if pes == nil {
		for pe := range w.teams {
			pes = append(pes, pe)
		}
	}
	var wg sync.WaitGroup
	for _, pe := range pes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(pe, w.teams[pe])
		}()
	}
	wg.Wait()
}
