package job

import (
	"math"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Atomic applies op (signal.Amo*) to the width-byte (4 or 8) integer at symmetric address
// addr on PE pe and returns the word's previous value (for AmoFetch: its
// value). The update is a real atomic instruction on the target word, and
// wakes any PE waiting on it. The transport routes it as it routes puts: a
// PE mapped here is updated in place, another by the network engine.
func (j *Job) Atomic(op, width int, addr uintptr, operand, cond int64, pe int) (int64, error) {
	if width != 4 && width != 8 {
		return 0, errcode.New(errcode.InvalidParam, "atomic width %d is not 4 or 8 bytes", width)
	}
	if width == 4 && (operand < math.MinInt32 || operand > math.MaxUint32 || cond < math.MinInt32 || cond > math.MaxUint32) {
		return 0, errcode.New(errcode.InvalidValue, "value %d does not fit a 32-bit word", operand)
	}
	off, err := j.word(addr, uintptr(width), pe)
	if err != nil {
		return 0, err
	}
	return j.rma.Atomic(pe, op, width, off, operand, cond)
}

// word checks a size-byte, size-aligned word at symmetric address addr on PE
// pe and returns its offset in the user heap. How pe is reached is the
// transport's business.
func (j *Job) word(addr, size uintptr, pe int) (uintptr, error) {
	if pe < 0 || pe >= j.opts.Size {
		return 0, errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, j.opts.Size)
	}
	off, err := j.symOffset(addr, size, "word")
	if err != nil {
		return 0, err
	}
	if addr%size != 0 {
		return 0, errcode.New(errcode.InvalidParam, "address 0x%x of a %d-byte word is not %d-byte aligned", addr, size, size)
	}
	return off, nil
}

// ownWord checks a 4-byte word at symmetric address addr of this PE and
// returns its address here and the wake block of its segment.
func (j *Job) ownWord(addr uintptr) (word, wake uintptr, err error) {
	off, err := j.word(addr, 4, j.opts.Rank)
	if err != nil {
		return 0, 0, errcode.Wrap(errcode.InvalidParam, err, "sig")
	}
	return j.reach.Base(j.opts.Rank) + off, j.reach.Wake(j.opts.Rank), nil
}
