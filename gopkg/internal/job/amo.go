package job

import (
	"math"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// Atomic applies op (signal.Amo*) to the width-byte (4 or 8) integer at symmetric address
// addr on PE pe and returns the word's previous value (for AmoFetch: its
// value). The update is a real atomic instruction on the target word, and
// wakes any PE waiting on it.
func (j *Job) Atomic(op, width int, addr uintptr, operand, cond int64, pe int) (int64, error) {
	if width != 4 && width != 8 {
		return 0, errcode.New(errcode.InvalidParam, "atomic width %d is not 4 or 8 bytes", width)
	}
	if width == 4 && (operand < math.MinInt32 || operand > math.MaxUint32 || cond < math.MinInt32 || cond > math.MaxUint32) {
		return 0, errcode.New(errcode.InvalidValue, "value %d does not fit a 32-bit word", operand)
	}
	w, err := j.word(addr, uintptr(width), pe)
	if err != nil {
		return 0, err
	}
	if err := j.live.Check(pe); err != nil {
		return 0, err
	}
	if w.addr == 0 {
		return j.net.Atomic(pe, op, width, w.off, operand, cond)
	}
	target, wake := w.addr, w.wake
	if width == 4 {
		old, err := signal.Apply32(op, target, wake, int32(operand), int32(cond))
		return int64(old), err
	}
	return signal.Apply64(op, target, wake, operand, cond)
}

// wordRef locates a word of symmetric memory on some PE.
type wordRef struct {
	off  uintptr // offset in the PE's user heap
	addr uintptr // the word's address here; 0 when the PE is reached over the network
	wake uintptr // the wake block of the word's segment, when addr is set
}

// word resolves a size-byte, size-aligned word at symmetric address addr on
// PE pe.
func (j *Job) word(addr, size uintptr, pe int) (wordRef, error) {
	if pe < 0 || pe >= j.opts.Size {
		return wordRef{}, errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, j.opts.Size)
	}
	off, err := j.symOffset(addr, size, "word")
	if err != nil {
		return wordRef{}, err
	}
	if addr%size != 0 {
		return wordRef{}, errcode.New(errcode.InvalidParam, "address 0x%x of a %d-byte word is not %d-byte aligned", addr, size, size)
	}
	if j.userBases[pe] == 0 {
		return wordRef{off: off}, nil
	}
	return wordRef{off: off, addr: j.userBases[pe] + off, wake: j.wakeBlock(pe)}, nil
}
