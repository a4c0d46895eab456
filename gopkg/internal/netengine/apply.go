package netengine

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// The server's checks and updates of its own heap. Every offset and length
// a client sends is checked here again: the client checks too, but the heap
// must stay safe from a buggy or malicious peer.

// checkRange accepts [off, off+n) inside the heap (overflow-safe).
func (s *serverConn) checkRange(off, n uint64) error {
	size := uint64(s.e.cfg.HeapSize)
	if n > size || off > size-n {
		return errOutsideHeap(s.e.cfg.Rank, uintptr(off), uintptr(n), s.e.cfg.HeapSize)
	}
	return nil
}

// word checks a width-byte word at off and returns its address.
func (s *serverConn) word(off uint64, width int) (uintptr, error) {
	if err := s.checkRange(off, uint64(width)); err != nil {
		return 0, err
	}
	addr := s.e.cfg.HeapBase + uintptr(off)
	if addr%uintptr(width) != 0 {
		return 0, errMisaligned(s.e.cfg.Rank, uintptr(off), width)
	}
	return addr, nil
}

// signal applies the signal update carried by a put's final frame: a real
// atomic instruction on the word, and a wake of local waiters.
func (s *serverConn) signal(r *request) error {
	addr, err := s.word(r.a, 4)
	if err != nil {
		return err
	}
	return signal.Update32(addr, s.e.cfg.WakeBlock, int(r.aux), int32(uint32(r.b)))
}

// atomic applies an atomic operation and returns the word's previous value
// (sign-extended for 32-bit words).
func (s *serverConn) atomic(r *request) (uint64, error) {
	width := int(r.width)
	if width != 4 && width != 8 {
		return 0, errcode.New(errcode.InvalidParam, "atomic width %d is not 4 or 8 bytes", width)
	}
	op := int(r.aux)
	if !validAtomicOp(op) {
		return 0, errcode.New(errcode.InvalidParam, "unknown atomic operation %d", op)
	}
	addr, err := s.word(r.off, width)
	if err != nil {
		return 0, err
	}
	wake := s.e.cfg.WakeBlock
	if width == 4 {
		old, err := signal.Apply32(op, addr, wake, int32(uint32(r.a)), int32(uint32(r.b)))
		return uint64(int64(old)), err
	}
	old, err := signal.Apply64(op, addr, wake, int64(r.a), int64(r.b))
	return uint64(old), err
}
