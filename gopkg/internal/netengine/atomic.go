package netengine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

// Atomic applies op (AtomicFetch..AtomicAdd) to the width-byte (4 or 8)
// integer at heap offset off on PE pe and returns the word's previous value
// (for AtomicFetch its value; 32-bit values sign-extended). pe applies it
// with a real atomic instruction and wakes its waiters on the word. For
// width 4, operand and cond must fit 32 bits (signed or unsigned). It waits
// for pe's answer, and is ordered after this PE's earlier puts to pe.
func (e *Engine) Atomic(pe int, op int, width int, off uintptr, operand, cond int64) (int64, error) {
	if !e.gate.Enter() {
		return 0, errClosed
	}
	defer e.gate.Leave()
	if err := transport.CheckAtomic(pe, op, width, off, operand, cond, e.cfg.HeapSize); err != nil {
		return 0, err
	}
	p, err := e.peer(pe)
	if err != nil {
		return 0, err
	}
	it := item{op: opAtomic, aux: uint8(op), width: uint8(width), off: off, a: uint64(operand), b: uint64(cond)}
	old, err := e.awaitValue(p, it)
	if err != nil {
		return 0, err
	}
	return int64(old), nil
}
