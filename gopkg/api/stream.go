package api

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
	"github.com/pyshmem/shmem/gopkg/internal/stream"
)

// Host streams (aclshmemx_*_on_stream, shmem.core): ordered queues of
// operations run by a goroutine each. Handles are ints, 0 the default stream.
// Arguments are checked when an operation is queued (an error at once); what
// fails while it runs is reported by the next StreamSync of its stream.
// Each instance has its streams (instance.go); calls use the current one's.
func streams() *stream.Registry { return cur.Load().streams }

// streamsOf is the registry of the instance that made stream h: a stream is
// synchronised, queried and destroyed by its handle whichever instance is
// current (as an Ascend stream is a device object), while operations are
// queued only on streams of the current instance. The default stream (0) is
// the current instance's.
func streamsOf(h int64) *stream.Registry {
	if h > 0 {
		regMu.Lock()
		in := instances[int(h/instanceStreamBase)]
		regMu.Unlock()
		if in != nil {
			return in.streams
		}
	}
	return streams()
}

// finalizeDrain bounds how long finalize lets queued operations run before it
// cancels the rest (a signal wait nobody satisfies would otherwise hold it).
const finalizeDrain = 10 * time.Second

// StreamCreate makes a stream and returns its handle (never 0).
func StreamCreate() (h int64, err error) {
	defer recoverInto(&err)
	return streams().Create(), nil
}

// StreamDestroy waits for the stream's operations, removes it and returns
// their first error. The default stream (0) cannot be destroyed.
func StreamDestroy(h int64) (_ int, err error) {
	defer recoverInto(&err)
	if h == 0 {
		return 0, errcode.New(errcode.InvalidParam, "the default stream (0) cannot be destroyed")
	}
	s, err := streamsOf(h).Remove(h)
	if err != nil {
		return 0, err
	}
	s.Close(false)
	_, err = s.Sync(0)
	return 0, err
}

// StreamSync waits up to timeoutMs milliseconds (negative: no limit) for the
// operations queued on stream h before the call. It returns 1 when they have
// all run, with the first error any hit since the last sync, and 0 when the
// time ran out first (the facade calls again, so that Ctrl-C gets through).
// h < 0 waits for every stream.
func StreamSync(h int64, timeoutMs int) (done int, err error) {
	defer recoverInto(&err)
	var list []*stream.Stream
	if h < 0 {
		list = streams().All()
	} else {
		s, err := streamsOf(h).Get(h)
		if err != nil {
			return 0, err
		}
		list = []*stream.Stream{s}
	}
	limit := time.Duration(timeoutMs) * time.Millisecond
	start := time.Now()
	var first error
	for _, s := range list {
		left := time.Duration(-1)
		if timeoutMs >= 0 {
			left = max(limit-time.Since(start), 0)
		}
		finished, err := s.Sync(left)
		if !finished {
			return 0, first
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return 1, first
}

// StreamDrain waits like StreamSync(-1, timeoutMs) for every stream but
// leaves their errors for their next sync: for a free, which must not fail
// halfway through its collective because of an unrelated transfer.
func StreamDrain(timeoutMs int) (done int, err error) {
	defer recoverInto(&err)
	limit := time.Duration(timeoutMs) * time.Millisecond
	start := time.Now()
	for _, s := range streams().All() {
		left := time.Duration(-1)
		if timeoutMs >= 0 {
			left = max(limit-time.Since(start), 0)
		}
		if !s.Drain(left) {
			return 0, nil
		}
	}
	return 1, nil
}

// StreamPending is the number of operations queued on stream h and not run yet.
func StreamPending(h int64) (n int, err error) {
	defer recoverInto(&err)
	s, err := streamsOf(h).Get(h)
	if err != nil {
		return 0, err
	}
	return s.Pending(), nil
}

// shutdownStreams runs at the finalize of instance in: queued operations get
// finalizeDrain to run, the rest are cancelled; the errors no sync reported
// are returned.
func shutdownStreams(in *instance) error {
	deadline := time.Now().Add(finalizeDrain)
	var first error
	for _, s := range in.streams.All() {
		if _, err := s.Sync(max(time.Until(deadline), 0)); err != nil && first == nil {
			first = err
		}
	}
	if rest := in.streams.Shutdown(true); first == nil {
		first = rest
	}
	if first != nil {
		return errcode.Wrap(errcode.InnerError, first, "a stream operation failed and no synchronize reported it")
	}
	return nil
}

// enqueue checks that shmem is initialised and stream h exists, and queues op
// (counted in profiling as kind with peer and n bytes).
func enqueue(h int64, kind, peer int, n int64, op func(j *job.Job, cancelled func() bool) error) error {
	in, j, err := liveInstance()
	if err != nil {
		return err
	}
	s, err := in.streams.Get(h)
	if err != nil {
		return err
	}
	return s.Enqueue(func(cancelled func() bool) error {
		t := in.prof.Load() // the instance's table, whichever is current when it runs
		var start time.Time
		if t != nil {
			start = time.Now()
		}
		err := op(j, cancelled)
		if t != nil {
			t.Add(kind, peer, n, int64(time.Since(start)))
		}
		return err
	})
}

// PutmemOnStream is aclshmemx_putmem_on_stream: queues a put of n bytes from
// local src to symmetric dst on pe.
func PutmemOnStream(dst, src, n int64, pe int, h int64) (_ int, err error) {
	defer recoverInto(&err)
	if err := checkOnStream(dst, src, n, pe, "dst"); err != nil {
		return 0, err
	}
	return 0, enqueue(h, prof.PutOnStream, pe, n, func(j *job.Job, _ func() bool) error {
		return j.Put(uintptr(dst), uintptr(src), uintptr(n), pe, false)
	})
}

// GetmemOnStream is aclshmemx_getmem_on_stream: queues a get of n bytes from
// symmetric src on pe to local dst.
func GetmemOnStream(dst, src, n int64, pe int, h int64) (_ int, err error) {
	defer recoverInto(&err)
	if err := checkOnStream(src, dst, n, pe, "src"); err != nil {
		return 0, err
	}
	return 0, enqueue(h, prof.GetOnStream, pe, n, func(j *job.Job, _ func() bool) error {
		return j.Get(uintptr(dst), uintptr(src), uintptr(n), pe, false)
	})
}

func checkOnStream(sym, local, n int64, pe int, what string) error {
	j, err := live()
	if err != nil {
		return err
	}
	if sym < 0 || local < 0 || n < 0 {
		return errcode.New(errcode.InvalidParam, "addresses %d, %d and size %d must not be negative", sym, local, n)
	}
	return j.CheckRange(uintptr(sym), uintptr(n), pe, what)
}

// SignalOpOnStream is aclshmemx_signal_op_on_stream: queues a SET or ADD of
// the 32-bit signal word at symmetric sig on pe.
func SignalOpOnStream(sig, value int64, op, pe int, h int64) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if sig < 0 {
		return 0, errcode.New(errcode.InvalidParam, "sig %d is not an address", sig)
	}
	if err := j.CheckSignalWord(uintptr(sig), pe); err != nil {
		return 0, err
	}
	if err := checkSignal(value, op); err != nil {
		return 0, err
	}
	return 0, enqueue(h, prof.SignalOpOnStream, pe, 4, func(j *job.Job, _ func() bool) error {
		return j.PutSignal(0, 0, 0, uintptr(sig), value, op, pe, false)
	})
}

func checkSignal(value int64, op int) error {
	if op != 0 && op != 1 {
		return errcode.New(errcode.InvalidParam, "sig_op %d is not SIGNAL_SET (0) or SIGNAL_ADD (1)", op)
	}
	if value < -1<<31 || value > 1<<31-1 {
		return errcode.New(errcode.InvalidValue, "signal %d does not fit the 32-bit signal word", value)
	}
	return nil
}

// SignalWaitUntilOnStream is aclshmemx_signal_wait_until_on_stream: queues a
// wait until this PE's signal word at sig compares to value as cmp asks;
// later operations of the stream run after it.
func SignalWaitUntilOnStream(sig int64, cmp int, value int64, h int64) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if sig < 0 {
		return 0, errcode.New(errcode.InvalidParam, "sig %d is not an address", sig)
	}
	if err := j.CheckSignalWord(uintptr(sig), -1); err != nil {
		return 0, err
	}
	if cmp < 0 || cmp > 5 {
		return 0, errcode.New(errcode.InvalidParam, "cmp %d is not a comparison (0..5)", cmp)
	}
	if value < -1<<31 || value > 1<<31-1 {
		return 0, errcode.New(errcode.InvalidValue, "value %d does not fit the 32-bit signal word", value)
	}
	return 0, enqueue(h, prof.SignalWaitOnStream, j.Rank(), 0, func(j *job.Job, cancelled func() bool) error {
		_, err := j.SignalWaitUntilCancel(uintptr(sig), cmp, value, cancelled)
		return err
	})
}

// QuietOnStream is aclshmemx_quiet_on_stream: once the stream's earlier
// operations ran, completes this PE's outstanding transfers.
func QuietOnStream(h int64) (_ int, err error) {
	defer recoverInto(&err)
	return 0, enqueue(h, prof.QuietOnStream, -1, 0, func(j *job.Job, _ func() bool) error {
		return j.Quiet()
	})
}

// BarrierOnStream is aclshmemx_barrier_on_stream (and, with the team of a
// Handle, aclshmemx_handle_wait): once the stream's earlier operations ran,
// completes this PE's transfers and meets the team's other members.
func BarrierOnStream(team int, h int64) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if j.TeamNPes(team) <= 0 {
		return 0, errcode.New(errcode.InvalidParam, "team %d is not an active team", team)
	}
	return 0, enqueue(h, prof.BarrierOnStream, -1, 0, func(j *job.Job, _ func() bool) error {
		return j.Barrier(team)
	})
}
