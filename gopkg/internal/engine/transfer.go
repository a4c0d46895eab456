package engine

import "sync/atomic"

// transfer is a request handed to the copy engine, split into chunks that
// workers claim one at a time, so that all of them can work on one big copy.
type transfer struct {
	req       request
	chunkSize uintptr
	chunks    uintptr

	next atomic.Uintptr // next chunk to claim
	left atomic.Uintptr // chunks not yet copied (or skipped)

	// sig is applied after the last chunk when every chunk succeeded.
	sig    wordSignal
	hasSig bool

	failed atomic.Bool
	err    error // written once by the worker that set failed; read after left reaches 0

	// Exactly one of these receives the end: a blocking caller waits on done,
	// an NBI transfer reports to its epoch.
	done    chan struct{}
	tracker *completion
	epoch   *epoch
}

func newTransfer(req request, chunkSize uintptr) *transfer {
	t := &transfer{req: req, chunkSize: chunkSize, chunks: (req.n-1)/chunkSize + 1}
	t.left.Store(t.chunks)
	return t
}

// run claims and copies chunks until none is left to claim. The worker that
// finishes the last chunk ends the transfer. After a failure the remaining
// chunks are skipped: the transfer has failed either way.
func (t *transfer) run(copied *atomic.Uint64) {
	for {
		i := t.next.Add(1) - 1
		if i >= t.chunks {
			return
		}
		if !t.failed.Load() {
			lo := i * t.chunkSize
			hi := lo + min(t.chunkSize, t.req.n-lo)
			// The target may have died since the transfer was queued: the
			// chunks not yet copied fail, and with them the transfer.
			err := t.req.heaps.live(t.req.pe)
			if err == nil {
				err = t.req.copyRange(lo, hi)
			}
			if err != nil && t.failed.CompareAndSwap(false, true) {
				t.err = err
			}
			copied.Add(1)
		}
		if t.left.Add(^uintptr(0)) == 0 {
			t.finish()
		}
	}
}

func (t *transfer) finish() {
	if !t.failed.Load() {
		t.req.landed()
	}
	if t.hasSig && !t.failed.Load() {
		if t.err = t.req.heaps.live(t.req.pe); t.err == nil {
			t.err = t.sig.apply()
		}
	}
	if t.epoch != nil {
		t.tracker.complete(t.epoch, t.err)
		return
	}
	close(t.done)
}
