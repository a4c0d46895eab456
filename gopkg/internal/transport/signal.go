package transport

import "github.com/pyshmem/shmem/gopkg/internal/signal"

// Signal is the update of a 32-bit signal word that follows a put. It names
// the word by its offset in the target PE's heap: each engine finds the word
// its own way (an address here, or the target applying it). It is a plain
// value, not a closure, so a put-with-signal allocates nothing.
type Signal struct {
	Off   uintptr // the word's offset in the target PE's user heap, 4-byte aligned
	Op    int     // signal.SigSet or signal.SigAdd
	Value int32
}

// Check refuses an unknown operation and a word that is misaligned or not
// inside a heap of heapSize bytes, before anything moves.
func (s Signal) Check(pe int, heapSize uintptr) error {
	if s.Op != signal.SigSet && s.Op != signal.SigAdd {
		return ErrBadSignalOp(s.Op)
	}
	if 4 > heapSize || s.Off > heapSize-4 {
		return ErrOutsideHeap(pe, s.Off, 4, heapSize)
	}
	if s.Off%4 != 0 {
		return ErrMisaligned(pe, s.Off, 4)
	}
	return nil
}
