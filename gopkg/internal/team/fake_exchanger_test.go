package team

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// hub is an in-memory rendezvous shared by the PEs of one test: calls of one
// group are matched by their sequence number, as the job layer's are.
type hub struct {
	timeout time.Duration

	mu      sync.Mutex
	rounds  map[string]*round
	groups  map[string][]int // members first seen with each group name
	reused  []string         // group names used by two different member lists
	perPECh map[int]int      // exchange calls per world rank
}

type round struct {
	members []int
	data    map[int][]byte
	done    chan struct{}
}

func newHub() *hub {
	return &hub{timeout: 5 * time.Second, rounds: map[string]*round{}, groups: map[string][]int{}, perPECh: map[int]int{}}
}

// calls returns how many exchanges world rank pe has made.
func (h *hub) calls(pe int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.perPECh[pe]
}

// fakeExchanger is one PE's view of the hub; it is used by that PE only.
type fakeExchanger struct {
	hub  *hub
	rank int
	seq  map[string]int
}

func (h *hub) exchanger(rank int) *fakeExchanger {
	return &fakeExchanger{hub: h, rank: rank, seq: map[string]int{}}
}

func (e *fakeExchanger) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	if !slices.Contains(members, e.rank) {
		return nil, fmt.Errorf("PE %d is not in group %s %v", e.rank, group, members)
	}
	h := e.hub
	key := fmt.Sprintf("%s#%d", group, e.seq[group])
	e.seq[group]++

	h.mu.Lock()
	h.perPECh[e.rank]++
	if first, ok := h.groups[group]; !ok {
		h.groups[group] = slices.Clone(members)
	} else if !slices.Equal(first, members) {
		h.reused = append(h.reused, group)
		h.mu.Unlock()
		return nil, fmt.Errorf("group %s used by %v and %v", group, first, members)
	}
	r, ok := h.rounds[key]
	if !ok {
		r = &round{members: slices.Clone(members), data: map[int][]byte{}, done: make(chan struct{})}
		h.rounds[key] = r
	}
	r.data[e.rank] = slices.Clone(data)
	if len(r.data) == len(r.members) {
		close(r.done)
	}
	h.mu.Unlock()

	select {
	case <-r.done:
	case <-time.After(h.timeout):
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

// exchangeFunc scripts an Exchanger for single-PE tests.
type exchangeFunc func(group string, members []int, data []byte) ([][]byte, error)

func (f exchangeFunc) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	return f(group, members, data)
}

// job is n PEs, each with its own table and exchanger over one hub.
type job struct {
	hub    *hub
	tables []*Table
	exs    []*fakeExchanger
}

func newJob(n int) *job {
	j := &job{hub: newHub()}
	for pe := 0; pe < n; pe++ {
		j.tables = append(j.tables, NewTable(n, pe))
		j.exs = append(j.exs, j.hub.exchanger(pe))
	}
	return j
}

// run calls body on every PE at once, each in its own goroutine, and waits.
func (j *job) run(t *testing.T, body func(pe int, tab *Table, ex Exchanger)) {
	t.Helper()
	all := make([]int, len(j.tables))
	for pe := range all {
		all[pe] = pe
	}
	j.runOn(t, all, body)
}

// runOn is run for the world ranks in pes only.
func (j *job) runOn(t *testing.T, pes []int, body func(pe int, tab *Table, ex Exchanger)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, pe := range pes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(pe, j.tables[pe], j.exs[pe])
		}()
	}
	wg.Wait()
}

// splitAll runs the same SplitStrided on every PE and returns each PE's id.
func (j *job) splitAll(t *testing.T, parent, start, stride, size int) ([]int, []error) {
	t.Helper()
	ids := make([]int, len(j.tables))
	errs := make([]error, len(j.tables))
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		ids[pe], errs[pe] = tab.SplitStrided(ex, parent, start, stride, size, Config{})
	})
	return ids, errs
}
