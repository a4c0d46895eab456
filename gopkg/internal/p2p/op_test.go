package p2p

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// Region layout: wake block, then the variables, then local arrays.
const (
	varsAt    = 64
	valuesAt  = 1024
	indicesAt = 2048
)

func region(t *testing.T) *shmtest.Region {
	r, err := shmtest.NewRegion(4096)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func bytesOf(addr uintptr, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(at[byte](addr))), n)
}

// put stores v (little-endian, size bytes) at addr.
func put(addr uintptr, size uintptr, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	copy(bytesOf(addr, int(size)), b[:size])
}

func run1(t *testing.T, r *Request, waiters uintptr) uint64 {
	t.Helper()
	require.NoError(t, r.Check())
	got, err := Run(r, waiters, time.Millisecond, nil)
	require.NoError(t, err)
	return got
}

// Every kind compares as its type: signed, unsigned, float; the narrow
// variables next to each other are read without their neighbours.
func TestTestComparesEachKindAsItsType(t *testing.T) {
	reg := region(t)
	w, base := reg.Addr(), reg.Addr()+varsAt
	cases := []struct {
		kind  int
		bits  uint64 // the variable's bytes
		value int64
		fval  float64
		cmp   int
		want  uint64
	}{
		{Int8, 0xff, 0, 0, CmpLT, 1}, // -1 < 0
		{Uint8, 0xff, 0, 0, CmpGT, 1},
		{Int16, 0x8000, -32768, 0, CmpEQ, 1},
		{Uint16, 0x8000, 32768, 0, CmpEQ, 1},
		{Int32, 0xffffffff, -1, 0, CmpEQ, 1},
		{Uint32, 0xffffffff, 0, 0, CmpLE, 0},
		{Int64, math.MaxUint64, -2, 0, CmpGT, 1},
		{Uint64, math.MaxUint64, -1, 0, CmpEQ, 1}, // the facade sends 2**64-1 as -1
		{Float32, uint64(math.Float32bits(1.5)), 0, 1.25, CmpGT, 1},
		{Float32, uint64(math.Float32bits(-0.5)), 0, 0, CmpGE, 0},
	}
	for _, c := range cases {
		size := Size(c.kind)
		for slot := uintptr(0); slot < 8; slot += size { // every position in a word
			for i := range 16 {
				bytesOf(base, 16)[i] = 0x5a // neighbours
			}
			put(base+slot, size, c.bits)
			r := &Request{Op: Test, Kind: c.kind, Cmp: c.cmp, Ivars: base + slot, N: 1, Value: c.value, FValue: c.fval}
			assert.Equal(t, c.want, run1(t, r, w), "%+v at %d", c, slot)
		}
	}
}

func TestSetOperationsWithStatusAndVectors(t *testing.T) {
	reg := region(t)
	w, vars := reg.Addr(), reg.Addr()+varsAt
	vals := []int32{5, 1, 5, 7}
	for i, v := range vals {
		put(vars+uintptr(i)*4, 4, uint64(uint32(v)))
	}
	req := func(op int, status []int32) *Request {
		return &Request{Op: op, Kind: Int32, Cmp: CmpEQ, Ivars: vars, N: 4, Status: status, Value: 5, Indices: reg.Addr() + indicesAt}
	}
	indices := func(n uint64) []uint64 {
		return unsafe.Slice(at[uint64](reg.Addr()+indicesAt), 4)[:n]
	}
	assert.Equal(t, uint64(0), run1(t, req(TestAll, nil), w))
	assert.Equal(t, uint64(1), run1(t, req(TestAll, []int32{0, 1, 0, 1}), w), "masked entries are left out")
	assert.Equal(t, uint64(1), run1(t, req(TestAll, []int32{1, 1, 1, 1}), w), "an empty set satisfies all")
	assert.Equal(t, uint64(0), run1(t, req(TestAny, nil), w))
	assert.Equal(t, uint64(2), run1(t, req(TestAny, []int32{1, 0, 0, 0}), w))
	assert.Equal(t, uint64(None), run1(t, req(TestAny, []int32{1, 0, 1, 0}), w))
	assert.Equal(t, uint64(None), run1(t, req(TestAny, []int32{1, 1, 1, 1}), w))
	n := run1(t, req(TestSome, nil), w)
	assert.Equal(t, []uint64{0, 2}, indices(n))
	n = run1(t, req(TestSome, []int32{0, 0, 7, 0}), w)
	assert.Equal(t, []uint64{0}, indices(n))
	assert.Equal(t, uint64(0), run1(t, req(TestSome, []int32{1, 0, 1, 0}), w))

	// Vector forms: one comparison value per variable.
	values := reg.Addr() + valuesAt
	for i, v := range []int32{5, 1, 6, 7} {
		put(values+uintptr(i)*4, 4, uint64(uint32(v)))
	}
	vec := func(op int) *Request { r := req(op, nil); r.Values = values; return r }
	assert.Equal(t, uint64(0), run1(t, vec(TestAll), w))
	v := vec(TestAll)
	v.Status = []int32{0, 0, 1, 0}
	assert.Equal(t, uint64(1), run1(t, v, w))
	n = run1(t, vec(TestSome), w)
	assert.Equal(t, []uint64{0, 1, 3}, indices(n))
	assert.Equal(t, uint64(0), run1(t, vec(TestAny), w))

	// Waits whose condition holds, or whose set is empty, return at once.
	assert.Equal(t, uint64(2), run1(t, &Request{Op: WaitUntilAny, Kind: Int32, Cmp: CmpEQ, Ivars: vars, N: 4, Status: []int32{1, 0, 0, 0}, Value: 5}, w))
	assert.Equal(t, uint64(None), run1(t, &Request{Op: WaitUntilAny, Kind: Int32, Cmp: CmpEQ, Ivars: vars, N: 0, Value: 5}, w))
	assert.Equal(t, uint64(0), run1(t, &Request{Op: WaitUntilSome, Kind: Int32, Cmp: CmpEQ, Ivars: vars, N: 4, Status: []int32{1, 1, 1, 1}, Value: 5, Indices: reg.Addr() + indicesAt}, w))
}

func TestCheckRejectsBadRequests(t *testing.T) {
	bad := []Request{
		{Op: ops, Kind: Int32, N: 1, Ivars: 64},
		{Op: Test, Kind: kinds, N: 1, Ivars: 64},
		{Op: Test, Kind: Int32, Cmp: 6, N: 1, Ivars: 64},
		{Op: TestAll, Kind: Int32, N: -1, Ivars: 64},
		{Op: Test, Kind: Int32, N: 1, Ivars: 66},
		{Op: TestAll, Kind: Int32, N: 2, Ivars: 64, Status: []int32{0}},
		{Op: TestSome, Kind: Int32, N: 2, Ivars: 64},
	}
	for _, r := range bad {
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(r.Check()), "%+v", r)
	}
}

// A sleeping waiter of each shape is woken by a store that satisfies it
// (through the wake protocol: the writer's WakeStores after a plain store).
func TestWaitsSleepAndWakeOnStores(t *testing.T) {
	reg := region(t)
	w, vars := reg.Addr(), reg.Addr()+varsAt
	for _, op := range []int{WaitUntil, WaitUntilAll, WaitUntilAny, WaitUntilSome} {
		for _, kind := range []int{Int8, Uint16, Int32, Uint64, Float32} {
			size := Size(kind)
			for i := range 64 {
				bytesOf(vars, 64)[i] = 0
			}
			n := 3
			if op == WaitUntil {
				n = 1
			}
			r := &Request{Op: op, Kind: kind, Cmp: CmpNE, Ivars: vars, N: n, Indices: reg.Addr() + indicesAt}
			require.NoError(t, r.Check())
			done := make(chan uint64, 1)
			go func() {
				got, err := Run(r, w, 20*time.Second, nil)
				assert.NoError(t, err)
				done <- got
			}()
			require.Eventually(t, func() bool { return signal.Fetch32(w) == 1 }, 10*time.Second, time.Millisecond, "never slept")
			last := uintptr(n - 1)
			if op == WaitUntilAll {
				for i := uintptr(0); i < last; i++ {
					put(vars+i*size, size, 1)
				}
				signal.WakeStores(w)
			}
			put(vars+last*size, size, 0x0101010101010101) // nonzero as any kind, float32 too
			signal.WakeStores(w)
			select {
			case got := <-done:
				switch op {
				case WaitUntilAny:
					assert.Equal(t, uint64(last), got)
				case WaitUntilSome:
					assert.Equal(t, uint64(1), got)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("op %d kind %d: the store did not end the wait", op, kind)
			}
		}
	}
}

func TestWaitEndsOnInterrupt(t *testing.T) {
	reg := region(t)
	w, vars := reg.Addr(), reg.Addr()+varsAt
	r := &Request{Op: WaitUntilAll, Kind: Int16, Cmp: CmpEQ, Ivars: vars, N: 2, Value: 9}
	var mark interrupt.Mark
	done := make(chan error, 1)
	go func() { _, err := Run(r, w, 0, &mark); done <- err }()
	require.Eventually(t, func() bool { return signal.Fetch32(w) == 1 }, 10*time.Second, time.Millisecond)
	interrupt.Raise()
	select {
	case err := <-done:
		assert.Equal(t, errcode.Interrupted, errcode.CodeOf(err))
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupt did not end the wait")
	}
	assert.Equal(t, int32(0), signal.Fetch32(w), "the sleeper left the wake block")
}

// A test, or a wait that holds at once: no allocation, no system call.
func BenchmarkSatisfied(b *testing.B) {
	r, err := shmtest.NewRegion(4096)
	require.NoError(b, err)
	defer r.Close()
	w, vars := r.Addr(), r.Addr()+varsAt
	put(vars, 4, 5)
	for _, op := range []int{Test, WaitUntil} {
		req := &Request{Op: op, Kind: Int32, Cmp: CmpEQ, Ivars: vars, N: 1, Value: 5}
		b.Run(map[int]string{Test: "test", WaitUntil: "wait_until"}[op], func(b *testing.B) {
			var mark interrupt.Mark
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(req, w, 0, &mark); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
