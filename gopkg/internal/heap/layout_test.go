package heap

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestSegmentSize(t *testing.T) {
	size, err := SegmentSize(1)
	require.NoError(t, err)
	assert.Equal(t, SyncAreaSize+pageSize, size)
	size, err = SegmentSize(64 << 20)
	require.NoError(t, err)
	assert.Equal(t, uintptr(SyncAreaSize+64<<20), size)

	for _, bad := range []uintptr{0, ^uintptr(0), 1 << 63} {
		_, err := SegmentSize(bad)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "memSize %#x", bad)
	}
}

func TestLayoutConstants(t *testing.T) {
	assert.Zero(t, SyncAreaSize%pageSize, "the user heap must start on a page")
	assert.Zero(t, UserAlign%SyncAreaSize)
	assert.True(t, isPowerOfTwo(UserAlign))
	assert.True(t, isPowerOfTwo(MinBlockAlign))
}

func TestAlignUp(t *testing.T) {
	for _, c := range []struct{ x, align, want uintptr }{
		{0, 64, 0}, {1, 64, 64}, {64, 64, 64}, {65, 64, 128}, {4095, 4096, 4096},
	} {
		got, ok := alignUp(c.x, c.align)
		assert.True(t, ok)
		assert.Equal(t, c.want, got, "alignUp(%d, %d)", c.x, c.align)
	}
	_, ok := alignUp(^uintptr(0)-10, 64)
	assert.False(t, ok, "overflow")
}

func TestRegionsLayOutTwoHeaps(t *testing.T) {
	r, err := NewRegions(3*4096+1, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if r.DeviceSize != 4*4096 || r.HostOffset != UserAlign || r.HostSize != 2*4096 {
		t.Fatalf("regions %+v", r)
	}
	if r.Total() != UserAlign+2*4096 {
		t.Fatalf("total %d", r.Total())
	}
	if off, size, ok := r.Of(HostSide); !ok || off != UserAlign || size != 2*4096 {
		t.Fatalf("host heap %d %d %v", off, size, ok)
	}
	if r.TypeAt(0) != DeviceSide || r.TypeAt(UserAlign) != HostSide {
		t.Fatal("TypeAt")
	}
	if apart, _ := NewRegions(UserAlign, 1); apart.HostOffset != 2*UserAlign {
		t.Fatalf("heaps touch: %+v", apart)
	}
	none, _ := NewRegions(4096, 0)
	if _, _, ok := none.Of(HostSide); ok || none.Total() != 4096 {
		t.Fatalf("no host heap: %+v", none)
	}
	if _, _, ok := none.Of(7); ok {
		t.Fatal("unknown type accepted")
	}
	if _, err := NewRegions(0, 1); err == nil {
		t.Fatal("empty device heap accepted")
	}
}
