package transport

import (
	"math"

	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// CheckAtomic refuses what no engine can apply: an unknown operation, a
// width other than 4 or 8, 32-bit operands that do not fit 32 bits (signed
// or unsigned), and a word outside a heap of heapSize bytes or not aligned
// to its width. Engines call it before anything moves.
func CheckAtomic(pe, op, width int, off uintptr, operand, cond int64, heapSize uintptr) error {
	if !signal.ValidAmo(op) || (width != 4 && width != 8) {
		return ErrBadAtomic(op, width)
	}
	if width == 4 {
		for _, v := range [2]int64{operand, cond} {
			if v < math.MinInt32 || v > math.MaxUint32 {
				return ErrAtomicValue(v)
			}
		}
	}
	w := uintptr(width)
	if w > heapSize || off > heapSize-w {
		return ErrOutsideHeap(pe, off, w, heapSize)
	}
	if off%w != 0 {
		return ErrMisaligned(pe, off, width)
	}
	return nil
}

// ApplyAtomic applies a checked atomic to the word at addr (mapped here) and
// wakes its waiters through the wake block wake (0: nobody to wake).
func ApplyAtomic(op, width int, addr, wake uintptr, operand, cond int64) (int64, error) {
	if width == 4 {
		old, err := signal.Apply32(op, addr, wake, int32(operand), int32(cond))
		return int64(old), err
	}
	return signal.Apply64(op, addr, wake, operand, cond)
}
