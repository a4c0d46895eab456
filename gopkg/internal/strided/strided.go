package strided

import (
	"math/bits"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Layout is nelems elements of Size bytes starting at Base, Stride elements
// apart (Stride 1 is contiguous).
type Layout struct {
	Base   uintptr
	Stride uintptr
	Size   uintptr
}

// Extent is the number of bytes from the first element's start to the last
// element's end: (nelems-1)*stride*size + size. Strides below 1 are
// InvalidParam (Ascend leaves them undefined; a zero or negative stride
// would make elements overlap or run backwards). An extent that does not fit
// the address space is InvalidParam too.
func Extent(stride int64, nelems, size uintptr) (uintptr, error) {
	if stride < 1 {
		return 0, errcode.New(errcode.InvalidParam, "stride %d: must be at least 1 (in elements)", stride)
	}
	if nelems == 0 {
		return 0, nil
	}
	step, over := mul(uintptr(stride), size)
	if !over {
		var span uintptr
		span, over = mul(step, nelems-1)
		if !over {
			total, carry := bits.Add64(uint64(span), uint64(size), 0)
			if carry == 0 {
				return uintptr(total), nil
			}
		}
	}
	return 0, errcode.New(errcode.InvalidParam, "%d elements of %d bytes, %d elements apart, exceed the address space",
		nelems, size, stride)
}

// New checks a layout of nelems elements at base and returns it with its
// extent; base+extent must not wrap around.
func New(base uintptr, stride int64, nelems, size uintptr) (Layout, uintptr, error) {
	ext, err := Extent(stride, nelems, size)
	if err != nil {
		return Layout{}, 0, err
	}
	if base+ext < base {
		return Layout{}, 0, errcode.New(errcode.InvalidParam, "0x%x + %d bytes wraps around the address space", base, ext)
	}
	return Layout{Base: base, Stride: uintptr(stride), Size: size}, ext, nil
}

// At is the address of element i; i must be below the nelems the layout was
// checked for.
func (l Layout) At(i uintptr) uintptr { return l.Base + i*l.Stride*l.Size }

// Contiguous reports whether the elements follow each other without gaps.
func (l Layout) Contiguous() bool { return l.Stride == 1 }

func mul(a, b uintptr) (uintptr, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return uintptr(lo), hi != 0
}
