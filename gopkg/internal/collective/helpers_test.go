package collective

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

// reachability decides which members' heaps a member can load and store.
type reachability func(from, to int) bool

var reachModes = []struct {
	name  string
	reach reachability
}{
	{"mapped", func(int, int) bool { return true }},
	{"fetched", func(from, to int) bool { return from == to }},
	{"mixed", func(from, to int) bool { return (from+to)%2 == 0 }},
}

// fakeTeam is a team of goroutines over Go memory: the race detector sees
// every access, so a collective that reads what a peer is still writing, or
// writes what a peer still reads, fails under -race.
type fakeTeam struct {
	heaps [][]byte
	bases []uintptr
	reach reachability
	bar   *cyclicBarrier
	// failBarrier makes the given barrier episode (counted per member,
	// from 1) fail on every member; 0: never.
	failBarrier int
}

func newFakeTeam(size int, heapBytes uintptr, reach reachability) *fakeTeam {
	t := &fakeTeam{reach: reach, bar: newCyclicBarrier(size)}
	for range size {
		h := aligned8(heapBytes)
		t.heaps = append(t.heaps, h)
		t.bases = append(t.bases, addrOf(h))
	}
	return t
}

// sym is member rank's address of offset off in the symmetric heap.
func (t *fakeTeam) sym(rank int, off uintptr) uintptr { return t.bases[rank] + off }

// at is bytes [off, off+n) of member rank's heap.
func (t *fakeTeam) at(rank int, off, n uintptr) []byte { return t.heaps[rank][off : off+n] }

type fakeComm struct {
	t        *fakeTeam
	rank     int
	log      []string // "barrier", "peer", "get": what the collective asked for
	barriers int
}

func (c *fakeComm) Size() int { return len(c.t.heaps) }
func (c *fakeComm) Rank() int { return c.rank }

func (c *fakeComm) offset(sym, n uintptr) (uintptr, bool) {
	base, size := c.t.bases[c.rank], uintptr(len(c.t.heaps[c.rank]))
	if sym < base || sym-base > size || n > size-(sym-base) {
		return 0, false
	}
	return sym - base, true
}

func (c *fakeComm) Peer(rank int, sym uintptr) uintptr {
	c.log = append(c.log, "peer")
	off, ok := c.offset(sym, 1)
	if !ok || !c.t.reach(c.rank, rank) {
		return 0
	}
	return c.t.bases[rank] + off
}

func (c *fakeComm) Get(dst uintptr, rank int, sym, n uintptr) error {
	c.log = append(c.log, "get")
	off, ok := c.offset(sym, n)
	if !ok {
		return errcode.New(errcode.InvalidParam, "get outside the heap")
	}
	copy(bytesAt(dst, n), c.t.heaps[rank][off:off+n])
	return nil
}

func (c *fakeComm) CheckSym(sym, n uintptr, what string) error {
	if _, ok := c.offset(sym, n); !ok {
		return errcode.New(errcode.InvalidParam, "%s is outside the heap", what)
	}
	return nil
}

var errBarrier = errcode.New(errcode.TimeoutError, "fake barrier failed")

func (c *fakeComm) Barrier() error {
	c.log = append(c.log, "barrier")
	c.barriers++
	if c.barriers == c.t.failBarrier {
		return errBarrier
	}
	c.t.bar.wait()
	return nil
}

// run runs op on every member at once and returns each member's error.
func (t *fakeTeam) run(op func(c *fakeComm) error) ([]error, []*fakeComm) {
	errs := make([]error, len(t.heaps))
	comms := make([]*fakeComm, len(t.heaps))
	var wg sync.WaitGroup
	for rank := range t.heaps {
		comms[rank] = &fakeComm{t: t, rank: rank}
		wg.Go(func() { errs[rank] = op(comms[rank]) })
	}
	wg.Wait()
	runtime.KeepAlive(t.heaps)
	return errs, comms
}

// mustRun runs op on every member and requires that each succeeds and
// brackets its work with barriers.
func (t *fakeTeam) mustRun(tb testing.TB, op func(c *fakeComm) error) {
	tb.Helper()
	errs, comms := t.run(op)
	for rank, err := range errs {
		require.NoError(tb, err, "member %d", rank)
		log := comms[rank].log
		require.NotEmpty(tb, log)
		require.Equal(tb, "barrier", log[0], "member %d did not start with a barrier: %v", rank, log)
		require.Equal(tb, "barrier", log[len(log)-1], "member %d did not end with a barrier: %v", rank, log)
	}
}

// cyclicBarrier is a reusable barrier of n goroutines.
type cyclicBarrier struct {
	mu      sync.Mutex
	cond    *sync.Cond
	n       int
	arrived int
	gen     uint64
}

func newCyclicBarrier(n int) *cyclicBarrier {
	b := &cyclicBarrier{n: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *cyclicBarrier) wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	gen := b.gen
	if b.arrived++; b.arrived == b.n {
		b.arrived = 0
		b.gen++
		b.cond.Broadcast()
		return
	}
	for gen == b.gen {
		b.cond.Wait()
	}
}

func randomBytes(rng *rand.Rand, n uintptr) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func requireCode(t *testing.T, err error, code int) {
	t.Helper()
	require.Error(t, err)
	var e *errcode.Error
	require.True(t, errors.As(err, &e), "error without a code: %v", err)
	require.Equal(t, code, e.Code, "%v", err)
}

func name(parts ...any) string { return fmt.Sprint(parts...) }
