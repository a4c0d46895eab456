package job

import (
	"math"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// PutSignal puts n bytes from local src to symmetric dst on PE pe, then
// updates the 32-bit signal word at symmetric address sig on pe (SigSet
// stores value, SigAdd adds it). The update comes after the data is in
// place, so a PE that sees the new signal sees the data.
func (j *Job) PutSignal(dst, src, n, sig uintptr, value int64, op, pe int, nbi bool) error {
	if op != signal.SigSet && op != signal.SigAdd {
		return errcode.New(errcode.InvalidParam, "sig_op %d is not SHMEM_SIGNAL_SET (0) or SHMEM_SIGNAL_ADD (1)", op)
	}
	if value < math.MinInt32 || value > math.MaxInt32 {
		return errcode.New(errcode.InvalidValue, "signal %d does not fit the 32-bit signal word", value)
	}
	sigOff, err := j.word(sig, 4, pe)
	if err != nil {
		return errcode.Wrap(errcode.InvalidParam, err, "sig")
	}
	off := uintptr(0)
	if n > 0 {
		if off, err = j.symOffset(dst, n, "dst"); err != nil {
			return err
		}
	}
	return j.rma.PutSignal(pe, off, src, n, transport.Signal{Off: sigOff, Op: op, Value: int32(value)}, nbi)
}

// SignalFetch reads this PE's signal word at symmetric address sig.
func (j *Job) SignalFetch(sig uintptr) (int32, error) {
	word, _, err := j.ownWord(sig)
	if err != nil {
		return 0, err
	}
	return signal.Fetch32(word), nil
}

// SignalWaitUntil waits until this PE's signal word at sig compares to
// value as cmp asks, and returns the value that did. It gives up with an
// error when a PE of the job dies, since the awaited update may never come.
func (j *Job) SignalWaitUntil(sig uintptr, cmp int, value int64) (int32, error) {
	if value < math.MinInt32 || value > math.MaxInt32 {
		return 0, errcode.New(errcode.InvalidValue, "value %d does not fit the 32-bit signal word", value)
	}
	word, wake, err := j.ownWord(sig)
	if err != nil {
		return 0, err
	}
	var mark interrupt.Mark
	for {
		got, err := signal.WaitUntil32(word, wake, cmp, int32(value), lostCheckInterval, &mark)
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return got, err
		}
		if lost := j.reach.Lost(); lost >= 0 {
			return got, errcode.New(errcode.BootstrapError, "signal wait: PE %d of the job died", lost)
		}
	}
}

// SignalWaitUntilCancel is SignalWaitUntil for a wait queued on a stream: it
// also gives up when cancelled reports true (the stream is being shut down
// before the heap goes away).
func (j *Job) SignalWaitUntilCancel(sig uintptr, cmp int, value int64, cancelled func() bool) (int32, error) {
	if value < math.MinInt32 || value > math.MaxInt32 {
		return 0, errcode.New(errcode.InvalidValue, "value %d does not fit the 32-bit signal word", value)
	}
	word, wake, err := j.ownWord(sig)
	if err != nil {
		return 0, err
	}
	for {
		// A stream's own goroutine waits here: Ctrl-C reaches the caller's
		// synchronize, not this wait (nil mark), and finalize cancels it.
		got, err := signal.WaitUntil32(word, wake, cmp, int32(value), lostCheckInterval, nil)
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return got, err
		}
		if lost := j.reach.Lost(); lost >= 0 {
			return got, errcode.New(errcode.BootstrapError, "signal wait: PE %d of the job died", lost)
		}
		if cancelled() {
			return got, errcode.New(errcode.InnerError, "signal wait on a stream cancelled by finalize")
		}
	}
}

// CheckSignalWord checks that sig is a 4-byte aligned word of this PE's heap
// that PE pe can update (pe < 0: this PE), for arguments checked when an
// operation is queued.
func (j *Job) CheckSignalWord(sig uintptr, pe int) error {
	if pe < 0 {
		pe = j.opts.Rank
	}
	if _, err := j.word(sig, 4, pe); err != nil {
		return errcode.Wrap(errcode.InvalidParam, err, "sig")
	}
	return nil
}

// CheckRange checks that [addr, addr+n) lies in this PE's symmetric heap and
// that pe is a PE of the job.
func (j *Job) CheckRange(addr, n uintptr, pe int, what string) error {
	if pe < 0 || pe >= j.opts.Size {
		return errcode.New(errcode.InvalidParam, "pe %d is not a PE of this job (0..%d)", pe, j.opts.Size-1)
	}
	if n == 0 {
		return nil
	}
	_, err := j.symOffset(addr, n, what)
	return err
}
