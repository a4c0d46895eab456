package heap

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// checkInvariants verifies the allocator's bookkeeping: free spans sorted,
// disjoint and merged; blocks aligned, disjoint, off the free spans; free
// plus used covering the heap exactly. Plain comparisons: it runs after every
// op of the fuzz programs.
func checkInvariants(t *testing.T, a *Allocator) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	type rng struct{ off, end uintptr }
	all := make([]rng, 0, len(a.free)+len(a.blocks))
	var free, used uintptr
	for i, s := range a.free {
		if s.len == 0 || (i > 0 && s.off <= a.free[i-1].end()) {
			t.Fatalf("free list not sorted, disjoint and merged: %v", a.free)
		}
		all = append(all, rng{s.off, s.end()})
		free += s.len
	}
	for off, n := range a.blocks {
		if off%MinBlockAlign != 0 || n%MinBlockAlign != 0 {
			t.Fatalf("block %#x of %d bytes is not aligned to %d", off, n, MinBlockAlign)
		}
		all = append(all, rng{off, off + n})
		used += n
	}
	sort.Slice(all, func(i, j int) bool { return all[i].off < all[j].off })
	for i := 1; i < len(all); i++ {
		if all[i-1].end > all[i].off {
			t.Fatalf("ranges overlap: %v and %v", all[i-1], all[i])
		}
	}
	if used != a.inUse || free+used != a.size {
		t.Fatalf("free %d + used %d (inUse %d) do not cover the heap of %d", free, used, a.inUse, a.size)
	}
}

func TestAllocFirstFit(t *testing.T) {
	a := NewAllocator(1 << 20)
	off0, err := a.Alloc(1, 0)
	require.NoError(t, err)
	assert.Zero(t, off0)
	off1, err := a.Alloc(100, 64)
	require.NoError(t, err)
	assert.Equal(t, uintptr(64), off1, "sizes round up to 64")
	n, ok := a.BlockSize(off1)
	assert.True(t, ok)
	assert.Equal(t, uintptr(128), n)
	assert.Equal(t, uintptr(192), a.InUse())

	off2, err := a.Alloc(64, 4096)
	require.NoError(t, err)
	assert.Equal(t, uintptr(4096), off2)
	// The padding before the aligned block stays free and is used first.
	off3, err := a.Alloc(64, 0)
	require.NoError(t, err)
	assert.Equal(t, uintptr(192), off3)

	require.NoError(t, a.Free(off1))
	off4, err := a.Alloc(128, 0)
	require.NoError(t, err)
	assert.Equal(t, off1, off4, "first fit reuses the freed hole")
	checkInvariants(t, a)
}

func TestAllocErrors(t *testing.T) {
	a := NewAllocator(4096)
	_, err := a.Alloc(0, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = a.Alloc(8, 96)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = a.Alloc(8, UserAlign*2)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	for _, size := range []uintptr{4097, ^uintptr(0), ^uintptr(0) - 10} {
		_, err = a.Alloc(size, 0)
		assert.Equal(t, errcode.MallocFailed, errcode.CodeOf(err), "size %d", size)
	}
	off, err := a.Alloc(4096, UserAlign)
	require.NoError(t, err, "offset 0 is aligned to anything")
	assert.Zero(t, off)
	_, err = a.Alloc(1, 0)
	assert.Equal(t, errcode.MallocFailed, errcode.CodeOf(err))
	assert.ErrorContains(t, err, "0 of 4096 bytes free")
	checkInvariants(t, a)

	_, err = NewAllocator(0).Alloc(1, 0)
	assert.Equal(t, errcode.MallocFailed, errcode.CodeOf(err))
}

func TestAllocNeedsAlignedRoom(t *testing.T) {
	a := NewAllocator(3 * 4096)
	_, err := a.Alloc(64, 0)
	require.NoError(t, err)
	// 12 KiB minus 64 bytes is free, but no 8 KiB-aligned 8 KiB run exists.
	_, err = a.Alloc(8192, 8192)
	assert.Equal(t, errcode.MallocFailed, errcode.CodeOf(err))
	off, err := a.Alloc(8192, 4096)
	require.NoError(t, err)
	assert.Equal(t, uintptr(4096), off)
	checkInvariants(t, a)
}

func TestFreeErrors(t *testing.T) {
	a := NewAllocator(1 << 16)
	off, err := a.Alloc(256, 0)
	require.NoError(t, err)
	other, err := a.Alloc(64, 0)
	require.NoError(t, err)

	for _, c := range []struct {
		off  uintptr
		want string
	}{
		{off + 64, "inside the block at 0x0"},
		{1 << 16, "outside the heap"},
		{^uintptr(0), "outside the heap"},
		{4096, "not allocated"},
	} {
		err := a.Free(c.off)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "free %#x", c.off)
		assert.ErrorContains(t, err, c.want)
	}
	require.NoError(t, a.Free(off))
	err = a.Free(off)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	assert.ErrorContains(t, err, "double free")
	assert.Equal(t, uintptr(64), a.InUse(), "failed frees change nothing")
	_, ok := a.BlockSize(off)
	assert.False(t, ok)
	_, ok = a.BlockSize(other)
	assert.True(t, ok)
	checkInvariants(t, a)
}

func TestResetAndContains(t *testing.T) {
	a := NewAllocator(1 << 16)
	for range 10 {
		_, err := a.Alloc(1000, 0)
		require.NoError(t, err)
	}
	a.Reset()
	assert.Zero(t, a.InUse())
	assert.Equal(t, freeList{{0, 1 << 16}}, a.free)
	off, err := a.Alloc(1<<16, 0)
	require.NoError(t, err, "the whole heap is free again")
	assert.Zero(t, off)
	assert.Equal(t, uintptr(1<<16), a.Size())

	assert.True(t, a.Contains(0, 1<<16))
	assert.True(t, a.Contains(1<<16-1, 1))
	assert.True(t, a.Contains(100, 0))
	assert.False(t, a.Contains(1<<16, 0), "the end is not in the heap")
	assert.False(t, a.Contains(1<<16-1, 2))
	assert.False(t, a.Contains(1, ^uintptr(0)), "no wrap-around")
	assert.False(t, a.Contains(^uintptr(0), 1))
}

// runOps drives an allocator from a byte program: each op is three bytes
// (kind, size, alignment exponent). It checks every block's alignment and
// the invariants after every op, then frees everything in the program's own
// order and checks the heap is one free span again.
func runOps(t *testing.T, program []byte) []uintptr {
	const heapSize = 64 << 10
	a := NewAllocator(heapSize)
	var live, trace []uintptr
	for i := 0; i+2 < len(program); i += 3 {
		kind, sizeByte, alignExp := program[i], program[i+1], program[i+2]
		if kind%3 != 0 || len(live) == 0 {
			size := uintptr(sizeByte)*37 + 1
			align := uintptr(1) << (alignExp % 14)
			off, err := a.Alloc(size, align)
			if err != nil {
				require.Equal(t, errcode.MallocFailed, errcode.CodeOf(err))
				continue
			}
			if off%max(align, MinBlockAlign) != 0 || !a.Contains(off, size) {
				t.Fatalf("block %#x of %d bytes: misaligned for %d or outside the heap", off, size, align)
			}
			live = append(live, off)
			trace = append(trace, off)
		} else {
			j := int(sizeByte) % len(live)
			if err := a.Free(live[j]); err != nil {
				t.Fatal(err)
			}
			if a.Free(live[j]) == nil {
				t.Fatalf("double free of %#x accepted", live[j])
			}
			live = append(live[:j], live[j+1:]...)
		}
		checkInvariants(t, a)
	}
	for len(live) > 0 {
		j := len(program) % len(live)
		require.NoError(t, a.Free(live[j]))
		live = append(live[:j], live[j+1:]...)
	}
	checkInvariants(t, a)
	require.Equal(t, freeList{{0, heapSize}}, a.free, "free space did not coalesce")
	require.Zero(t, a.InUse())
	return trace
}

func TestRandomAllocFreeSequences(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		program := make([]byte, 3*400)
		for i := range program {
			program[i] = byte(r.Uint32())
		}
		trace := runOps(t, program)
		assert.Equal(t, trace, runOps(t, program), "seed %d: the same calls gave different offsets", seed)
	}
}

func FuzzAllocator(f *testing.F) {
	f.Add([]byte{1, 10, 6, 1, 200, 12, 0, 0, 0, 2, 255, 13})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, program []byte) {
		runOps(t, program)
	})
}
