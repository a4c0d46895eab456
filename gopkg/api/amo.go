package api

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/prof"
)

// Atomic applies atomic operation op (job.Amo*) to the width-byte integer at
// symmetric address dst on pe and returns the previous value. Unsigned
// 64-bit values travel as their two's-complement bit pattern.
func Atomic(op, width int, dst, operand, cond int64, pe int) (old int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	p, err := addr(dst, "dst")
	if err != nil {
		return 0, err
	}
	t, start := profStart()
	old, err = j.Atomic(op, width, p, operand, cond, pe)
	if t != nil {
		t.Add(prof.Atomic, pe, int64(width), int64(time.Since(start)))
	}
	return old, err
}
