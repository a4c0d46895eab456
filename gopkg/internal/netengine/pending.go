package netengine

import (
	"sync"
	"time"
)

// pendingOp is an operation whose answer is awaited: every blocking one, and
// NBI gets (whose answers carry data for dst).
type pendingOp struct {
	w   *waiter // the blocked caller; nil for an NBI get
	get bool
	dst uintptr // get: local destination of heap offset off
	off uintptr
	n   uintptr
	err error // first error seen for the operation
	// abandoned: the caller gave up (timeout, Ctrl-C) and may have reused
	// dst; get data still arriving is read and dropped.
	abandoned bool
	since     int64 // a blocking call (not a flush): the engine's clock when it was issued (see Engine.now); 0 otherwise
}

// waiter is how a blocked caller gets its answer. Waiters are pooled: a
// blocking call allocates nothing.
type waiter struct {
	done  chan struct{} // receives exactly one value per use
	err   error
	value uint64 // atomic: the word's previous value
	id    uint64 // the operation's id, set by submit
}

var waiters = sync.Pool{New: func() any { return &waiter{done: make(chan struct{}, 1)} }}

func getWaiter() *waiter { return waiters.Get().(*waiter) }

// finish takes the answer of a waiter whose done fired and pools it.
func (w *waiter) finish() (uint64, error) {
	value, err := w.value, w.err
	w.value, w.err, w.id = 0, nil, 0
	waiters.Put(w)
	return value, err
}

// waitUntil waits for the answer, ignoring its content, until expired is
// ready (nil: no bound). When it expires first it returns false and the
// waiter stays with the peer, which completes it later (it is not returned
// to the pool).
// stop (nil: none) ends the wait the same way.
func (w *waiter) waitUntil(expired <-chan time.Time, stop <-chan struct{}) bool {
	select {
	case <-w.done:
	case <-stop:
		select {
		case <-w.done:
		default:
			return false
		}
	case <-expired:
		// An answer that arrived too is taken rather than abandoned.
		select {
		case <-w.done:
		default:
			return false
		}
	}
	w.value, w.err, w.id = 0, nil, 0
	waiters.Put(w)
	return true
}

// release returns a waiter that was never submitted.
func (w *waiter) release() { waiters.Put(w) }

// complete hands the answer to the blocked caller.
func (w *waiter) complete(value uint64, err error) {
	w.value, w.err = value, err
	w.done <- struct{}{}
}
