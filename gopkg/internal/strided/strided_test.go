package strided

import (
	"math"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestExtent(t *testing.T) {
	cases := []struct {
		stride       int64
		nelems, size uintptr
		want         uintptr
	}{
		{1, 0, 8, 0},
		{1, 1, 8, 8},
		{1, 4, 4, 16},
		{3, 4, 4, 40}, // elements at 0, 12, 24, 36, the last ends at 40
		{2, 5, 16, 144},
		{1 << 40, 1, 8, 8}, // one element: the stride plays no part
	}
	for _, c := range cases {
		got, err := Extent(c.stride, c.nelems, c.size)
		if err != nil || got != c.want {
			t.Errorf("Extent(%d, %d, %d) = %d, %v; want %d", c.stride, c.nelems, c.size, got, err, c.want)
		}
	}
}

func TestExtentRejects(t *testing.T) {
	for _, c := range []struct {
		stride       int64
		nelems, size uintptr
	}{
		{0, 4, 4},
		{-1, 4, 4},
		{math.MaxInt64, 3, 8},
		{1, math.MaxUint64, 2},
		{2, math.MaxUint64 / 4, 4},
	} {
		if _, err := Extent(c.stride, c.nelems, c.size); errcode.CodeOf(err) != errcode.InvalidParam {
			t.Errorf("Extent(%d, %d, %d): err %v, want InvalidParam", c.stride, c.nelems, c.size, err)
		}
	}
}

func TestNewAndAt(t *testing.T) {
	l, ext, err := New(0x1000, 3, 4, 2)
	if err != nil || ext != 20 {
		t.Fatalf("New: %v, extent %d", err, ext)
	}
	for i, want := range []uintptr{0x1000, 0x1006, 0x100c, 0x1012} {
		if got := l.At(uintptr(i)); got != want {
			t.Errorf("At(%d) = 0x%x, want 0x%x", i, got, want)
		}
	}
	if l.Contiguous() {
		t.Error("stride 3 reported contiguous")
	}
	if _, _, err := New(math.MaxUint64-8, 1, 2, 8); errcode.CodeOf(err) != errcode.InvalidParam {
		t.Errorf("wrapping layout: err %v", err)
	}
}
