package netengine

import (
	"errors"
	"sync"
)

// lanesTo returns the connections to pe over which a blocking transfer of n
// bytes is split, or nil when it goes over one: a single lane, or fewer than
// two chunks of data (splitting small transfers only adds round trips).
func (e *Engine) lanesTo(pe int, n uintptr) []*peer {
	if e.cfg.Lanes < 2 || n < 2*e.wireChunk() {
		return nil
	}
	lanes := e.lanes.Load()
	if lanes == nil || len((*lanes)[pe]) < 2 {
		return nil
	}
	return (*lanes)[pe]
}

// overLanes runs the blocking transfer it as contiguous pieces, one per lane
// (whole chunks each, the last one taking the rest), all at once, and returns
// the first error. Each piece is an operation of its own on its connection.
func (e *Engine) overLanes(lanes []*peer, it item) error {
	chunk := it.chunk
	chunks := (it.n + chunk - 1) / chunk
	k := min(uintptr(len(lanes)), chunks)
	per := (chunks + k - 1) / k * chunk
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range k {
		start := uintptr(i) * per
		if start >= it.n {
			break
		}
		piece := it
		piece.off += start
		piece.local += start
		piece.n = min(per, it.n-start)
		piece.flags &^= flagSignal
		if piece.op == opPut {
			piece.flags |= flagAck
		}
		wg.Go(func() { errs[i] = e.await(lanes[i], piece) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// putOverLanes is overLanes for a put, then its signal (if it has one) on the
// first lane once every piece is in place, and only if all of them are: a PE
// that sees the signal sees the data.
func (e *Engine) putOverLanes(lanes []*peer, it item) error {
	if err := e.overLanes(lanes, it); err != nil {
		return err
	}
	if it.flags&flagSignal == 0 {
		return nil
	}
	sig := it
	sig.off, sig.n, sig.local = 0, 0, 0
	sig.flags |= flagAck
	return e.await(lanes[0], sig)
}
