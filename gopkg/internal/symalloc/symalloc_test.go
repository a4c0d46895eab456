package symalloc

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hub is an in-memory rendezvous shared by the PEs of one test: calls of one
// group are matched by their sequence number, as bootstrap's are.
type hub struct {
	n      int
	mu     sync.Mutex
	rounds map[string]*round
	seq    []map[string]int
}

type round struct {
	data map[int][]byte
	done chan struct{}
}

func newHub(n int) *hub {
	h := &hub{n: n, rounds: map[string]*round{}}
	for range n {
		h.seq = append(h.seq, map[string]int{})
	}
	return h
}

func (h *hub) allgather(rank int, group string, data []byte) ([][]byte, error) {
	h.mu.Lock()
	key := fmt.Sprintf("%s#%d", group, h.seq[rank][group])
	h.seq[rank][group]++
	r, ok := h.rounds[key]
	if !ok {
		r = &round{data: map[int][]byte{}, done: make(chan struct{})}
		h.rounds[key] = r
	}
	r.data[rank] = slices.Clone(data)
	if len(r.data) == h.n {
		close(r.done)
	}
	h.mu.Unlock()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("allgather %s timed out", key)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([][]byte, h.n)
	for pe := range out {
		out[pe] = r.data[pe]
	}
	return out, nil
}

// exchangeFunc is an Exchanger: one PE's view of a hub, or a script.
type exchangeFunc func(group string, members []int, data []byte) ([][]byte, error)

func (f exchangeFunc) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	return f(group, members, data)
}

// job is n PEs, each with its own heaps in memory of its own.
type job struct {
	hub      *hub
	heaps    []*Heaps
	regions  heap.Regions
	barriers atomic.Int64
}

func newJob(t *testing.T, n int, devSize, hostSize uintptr) *job {
	regions, err := heap.NewRegions(devSize, hostSize)
	require.NoError(t, err)
	j := &job{hub: newHub(n), regions: regions}
	for pe := range n {
		mem, err := shmtest.NewRegion(int(regions.Total()))
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, mem.Close()) })
		ex := exchangeFunc(func(group string, _ []int, data []byte) ([][]byte, error) {
			return j.hub.allgather(pe, group, data)
		})
		barrier := func() error {
			j.barriers.Add(1)
			_, err := j.hub.allgather(pe, "barrier", nil)
			return err
		}
		j.heaps = append(j.heaps, New(ex, pe, mem.Addr(), regions, barrier))
	}
	return j
}

// all runs call on every PE at once and returns each PE's results.
func (j *job) all(call func(pe int, h *Heaps) (uintptr, error)) ([]uintptr, []error) {
	addrs := make([]uintptr, len(j.heaps))
	errs := make([]error, len(j.heaps))
	var wg sync.WaitGroup
	for pe, h := range j.heaps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addrs[pe], errs[pe] = call(pe, h)
		}()
	}
	wg.Wait()
	return addrs, errs
}

func (j *job) malloc(t *testing.T, memType int, size, align int64, zero bool) []uintptr {
	t.Helper()
	addrs, errs := j.all(func(_ int, h *Heaps) (uintptr, error) { return h.Malloc(memType, size, align, zero) })
	for pe, err := range errs {
		require.NoError(t, err, "PE %d", pe)
	}
	return addrs
}

func (j *job) free(addrs []uintptr) []error {
	_, errs := j.all(func(pe int, h *Heaps) (uintptr, error) { return 0, h.Free(addrs[pe]) })
	return errs
}

// offsets turns each PE's address into its offset in that PE's user area.
func (j *job) offsets(t *testing.T, addrs []uintptr) []uintptr {
	t.Helper()
	offs := make([]uintptr, len(addrs))
	for pe, a := range addrs {
		var ok bool
		offs[pe], ok = j.heaps[pe].Offset(a, 1)
		require.True(t, ok, "PE %d: 0x%x is in its heap", pe, a)
	}
	return offs
}

func requireCode(t *testing.T, err error, code int, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), err.Error())
	for _, s := range contains {
		assert.Contains(t, err.Error(), s)
	}
}

func same(t *testing.T, offs []uintptr) uintptr {
	t.Helper()
	for pe, o := range offs {
		require.Equal(t, offs[0], o, "PE %d's offset differs from PE 0's", pe)
	}
	return offs[0]
}

func TestEveryPEGetsTheSameBlock(t *testing.T) {
	j := newJob(t, 3, 1<<20, 0)
	a := j.malloc(t, heap.DeviceSide, 100, 0, false)
	b := j.malloc(t, heap.DeviceSide, 1000, 4096, false)
	c := j.malloc(t, heap.DeviceSide, 64, 0, false)
	offA, offB, offC := same(t, j.offsets(t, a)), same(t, j.offsets(t, b)), same(t, j.offsets(t, c))
	assert.Zero(t, offA)
	assert.Zero(t, offB%4096, "aligned as asked")
	assert.NotEqual(t, a[0], a[1], "each PE's address is in its own memory")
	for pe, h := range j.heaps {
		assert.GreaterOrEqual(t, h.BlockSize(a[pe]), uintptr(100))
		assert.Zero(t, h.BlockSize(a[pe]+64), "inside a block is no block")
		assert.Equal(t, heap.DeviceSide, h.MemTypeOf(b[pe]))
	}
	for pe, err := range j.free(b) {
		require.NoError(t, err, "PE %d", pe)
	}
	d := j.malloc(t, heap.DeviceSide, 1000, 4096, false)
	assert.Equal(t, offB, same(t, j.offsets(t, d)), "the freed block is found again, the same on every PE")
	assert.NotEqual(t, offC, offB)
	zero, errs := j.all(func(_ int, h *Heaps) (uintptr, error) { return h.Malloc(heap.DeviceSide, 0, 0, false) })
	assert.Equal(t, []uintptr{0, 0, 0}, zero)
	assert.Equal(t, []error{nil, nil, nil}, errs)
	for pe, err := range j.free([]uintptr{0, 0, 0}) {
		require.NoError(t, err, "PE %d: freeing 0 frees nothing", pe)
	}
}

func TestCallocClearsTheBlockOnEveryPEBeforeAnyReturns(t *testing.T) {
	j := newJob(t, 2, 1<<16, 0)
	a := j.malloc(t, heap.DeviceSide, 4096, 0, false)
	for pe := range a {
		for i, p := range native.View(a[pe], 4096) {
			assert.Zero(t, p, "PE %d byte %d", pe, i)
		}
		view := native.View(a[pe], 4096)
		for i := range view {
			view[i] = 0xa5
		}
	}
	require.Equal(t, []error{nil, nil}, j.free(a))
	require.Zero(t, j.barriers.Load(), "a plain malloc needs no barrier")
	b := j.malloc(t, heap.DeviceSide, 4096, 0, true)
	require.Equal(t, a, b, "the dirty block comes back")
	assert.Equal(t, int64(2), j.barriers.Load(), "every PE met after clearing")
	for pe := range b {
		assert.Equal(t, make([]byte, 4096), native.View(b[pe], 4096), "PE %d", pe)
	}
}

func TestABadArgumentOnOnePEFailsEveryPEAndKeepsThemPaired(t *testing.T) {
	j := newJob(t, 3, 1<<16, 0)
	for _, c := range []struct {
		memType     int
		size, align int64
		want        string
	}{
		{heap.DeviceSide, -5, 0, "PE 1: size -5 is negative"},
		{heap.DeviceSide, 64, 3, "PE 1: alignment 3 is not a power of two"},
		{heap.DeviceSide, 64, -8, "PE 1: alignment -8 is not a power of two"},
		{7, 64, 0, "PE 1: mem_type 7 is neither HOST_SIDE (0) nor DEVICE_SIDE (1)"},
		{heap.HostSide, 64, 0, "PE 1: there is no host-side heap"},
	} {
		addrs, errs := j.all(func(pe int, h *Heaps) (uintptr, error) {
			if pe == 1 {
				return h.Malloc(c.memType, c.size, c.align, false)
			}
			return h.Malloc(heap.DeviceSide, 64, 0, false)
		})
		for pe := range errs {
			requireCode(t, errs[pe], errcode.InvalidParam, c.want)
			assert.Zero(t, addrs[pe])
		}
	}
	// Nothing was allocated, and the next call pairs with the next call.
	a := j.malloc(t, heap.DeviceSide, 64, 0, false)
	assert.Zero(t, same(t, j.offsets(t, a)))
}

func TestPEsThatAskForDifferentThingsAllFail(t *testing.T) {
	j := newJob(t, 2, 1<<16, 1<<16)
	_, errs := j.all(func(pe int, h *Heaps) (uintptr, error) { return h.Malloc(heap.DeviceSide, 128*int64(pe+1), 0, false) })
	requireCode(t, errs[0], errcode.InvalidParam,
		"PEs made different calls: PE 0 asked for 128 bytes aligned to 64 in the device-side heap, PE 1 for 256 bytes")
	requireCode(t, errs[1], errcode.InvalidParam, "PE 1 asked for 256 bytes", "PE 0 for 128 bytes")
	_, errs = j.all(func(pe int, h *Heaps) (uintptr, error) { return h.Malloc(pe, 128, 0, false) })
	requireCode(t, errs[0], errcode.InvalidParam, "in the host-side heap, PE 1 for 128 bytes aligned to 64 in the device-side heap")

	a := j.malloc(t, heap.DeviceSide, 128, 0, false)
	b := j.malloc(t, heap.DeviceSide, 128, 0, false)
	errs = j.free([]uintptr{a[0], b[1]})
	requireCode(t, errs[0], errcode.InvalidParam, "free of the block at offset 0", "free of the block at offset 128")
	requireCode(t, errs[1], errcode.InvalidParam)
	_, errs = j.all(func(pe int, h *Heaps) (uintptr, error) {
		if pe == 0 {
			return 0, h.Free(a[0])
		}
		return h.Malloc(heap.DeviceSide, 128, 0, false)
	})
	requireCode(t, errs[1], errcode.InvalidParam, "PE 1 asked for 128 bytes", "PE 0 for free of the block")
	// Both blocks are still there.
	for pe, h := range j.heaps {
		assert.NotZero(t, h.BlockSize(a[pe]))
		assert.NotZero(t, h.BlockSize(b[pe]))
	}
}

func TestFreeOfWhatIsNoBlockFailsEveryPE(t *testing.T) {
	j := newJob(t, 2, 1<<16, 0)
	a := j.malloc(t, heap.DeviceSide, 256, 0, false)
	for _, bad := range []func(pe int) uintptr{
		func(pe int) uintptr { return a[pe] + 64 }, // inside the block
		func(int) uintptr { return 0x1000 },        // not in the heap at all
		func(pe int) uintptr { return a[pe] + 4096 },
	} {
		errs := j.free([]uintptr{a[0], bad(1)})
		requireCode(t, errs[0], errcode.InvalidParam, "PE 1: 0x", "is not a block from shmem_malloc")
		requireCode(t, errs[1], errcode.InvalidParam, "is not a block from shmem_malloc")
	}
	require.Equal(t, []error{nil, nil}, j.free(a))
	errs := j.free(a)
	requireCode(t, errs[0], errcode.InvalidParam, "PE 0: 0x", "already freed")
}

func TestTheHostSideHeapIsAHeapOfItsOwn(t *testing.T) {
	j := newJob(t, 2, 1<<16, 1<<16)
	dev := j.malloc(t, heap.DeviceSide, 512, 0, false)
	host := j.malloc(t, heap.HostSide, 512, 0, true)
	hostOff := same(t, j.offsets(t, host))
	assert.Equal(t, j.regions.HostOffset, hostOff, "the first block of the host-side heap")
	assert.Zero(t, same(t, j.offsets(t, dev)), "the device-side heap has its own allocator")
	for pe, h := range j.heaps {
		assert.Equal(t, host[pe], h.Base(heap.HostSide))
		assert.Equal(t, dev[pe], h.Base(heap.DeviceSide))
		assert.Zero(t, h.Base(9))
		assert.Equal(t, heap.HostSide, h.MemTypeOf(host[pe]))
		assert.Equal(t, uintptr(512), h.BlockSize(host[pe]))
	}
	require.Equal(t, []error{nil, nil}, j.free(host))
	for pe, h := range j.heaps {
		assert.Zero(t, h.BlockSize(host[pe]))
		assert.NotZero(t, h.BlockSize(dev[pe]))
	}
	assert.Zero(t, newJob(t, 1, 1<<16, 0).heaps[0].Base(heap.HostSide), "no host-side heap")
}

func TestAFullHeapFailsOnEveryPE(t *testing.T) {
	j := newJob(t, 2, 1<<16, 0)
	addrs, errs := j.all(func(_ int, h *Heaps) (uintptr, error) { return h.Malloc(heap.DeviceSide, 1<<17, 0, false) })
	for pe := range errs {
		require.Error(t, errs[pe], "PE %d", pe)
		assert.Equal(t, errcode.CodeOf(errs[0]), errcode.CodeOf(errs[pe]))
		assert.Zero(t, addrs[pe])
	}
	j.malloc(t, heap.DeviceSide, 1<<16, 0, false)
}

func TestRendezvousFailures(t *testing.T) {
	regions, err := heap.NewRegions(1<<16, 0)
	require.NoError(t, err)
	mem, err := shmtest.NewRegion(int(regions.Total()))
	require.NoError(t, err)
	defer func() { require.NoError(t, mem.Close()) }()
	lost := errors.New("connection reset")
	h := New(exchangeFunc(func(string, []int, []byte) ([][]byte, error) { return nil, lost }), 0, mem.Addr(), regions, nil)
	_, err = h.Malloc(heap.DeviceSide, 64, 0, false)
	requireCode(t, err, errcode.BootstrapError, "heap agreement", "connection reset")
	requireCode(t, h.Free(mem.Addr()), errcode.BootstrapError)

	var mine []byte
	short := exchangeFunc(func(_ string, _ []int, data []byte) ([][]byte, error) {
		mine = data
		return [][]byte{data, data[:callSize-1]}, nil
	})
	h = New(short, 0, mem.Addr(), regions, nil)
	_, err = h.Malloc(heap.DeviceSide, 64, 0, false)
	requireCode(t, err, errcode.InnerError, "PE 1 sent an unreadable heap request")
	got, ok := decodeCall(mine)
	require.True(t, ok)
	assert.Equal(t, call{kind: 'm', size: 64, align: minAlign}, got, "what travels decodes to what was sent")

	// A barrier that fails after clearing is the calloc's error.
	echo := exchangeFunc(func(_ string, _ []int, data []byte) ([][]byte, error) { return [][]byte{data}, nil })
	h = New(echo, 0, mem.Addr(), regions, func() error { return lost })
	_, err = h.Malloc(heap.DeviceSide, 64, 0, true)
	require.ErrorIs(t, err, lost)
}

func TestOffsetAndContainsKeepToTheHeaps(t *testing.T) {
	regions, err := heap.NewRegions(1<<16, 1<<16)
	require.NoError(t, err)
	const base = 0x100000
	h := New(nil, 0, base, regions, nil)
	for _, c := range []struct {
		addr, n uintptr
		ok      bool
	}{
		{base, 1, true},
		{base + 1<<16 - 8, 8, true},
		{base + 1<<16 - 8, 9, false}, // runs off the device-side heap
		{base + 1<<16, 1, false},     // the gap between the heaps
		{base + regions.HostOffset, 1 << 16, true},
		{base + regions.HostOffset + 1, 1 << 16, false},
		{base - 1, 1, false},
		{base + regions.Total(), 1, false},
	} {
		off, ok := h.Offset(c.addr, c.n)
		assert.Equal(t, c.ok, ok, "0x%x +%d", c.addr, c.n)
		if ok {
			assert.Equal(t, c.addr-base, off)
		}
	}
	assert.Equal(t, -1, h.MemTypeOf(base+1<<16))
	assert.Zero(t, h.BlockSize(base-64))
}
