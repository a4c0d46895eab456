package netengine

import (
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// Put copies [src, src+n) here to PE pe's heap at dstOff and returns once pe
// acknowledged that the data is in its heap.
func (e *Engine) Put(pe int, dstOff, src, n uintptr) error {
	return e.put(pe, dstOff, src, n, nil, false)
}

// PutNBI queues the same transfer and returns; src must stay untouched until
// Quiet, which waits for it and reports its error.
func (e *Engine) PutNBI(pe int, dstOff, src, n uintptr) error {
	return e.put(pe, dstOff, src, n, nil, true)
}

// Get copies n bytes of PE pe's heap at srcOff to [dst, dst+n) here.
func (e *Engine) Get(dst uintptr, pe int, srcOff, n uintptr) error {
	return e.get(dst, pe, srcOff, n, false)
}

// GetNBI queues the same transfer and returns; dst holds the data after Quiet.
func (e *Engine) GetNBI(dst uintptr, pe int, srcOff, n uintptr) error {
	return e.get(dst, pe, srcOff, n, true)
}

// signalUpdate is the signal a put applies after its data.
type signalUpdate = transport.Signal

// PutSignal puts n bytes (n may be 0) like Put or PutNBI, then has pe update
// the 32-bit signal word at its heap offset sig.Off (sig.Op signal.SigSet or
// signal.SigAdd) and wake its waiters, but only if the whole put succeeded:
// a PE that sees the signal sees the data.
func (e *Engine) PutSignal(pe int, dstOff, src, n uintptr, sig transport.Signal, nbi bool) error {
	return e.put(pe, dstOff, src, n, &sig, nbi)
}

// Signal updates the 32-bit signal word at heap offset off on pe (op
// signal.SigSet or signal.SigAdd), after every earlier Put and PutNBI of
// this PE to pe: a PE that sees the signal sees their data.
func (e *Engine) Signal(pe int, off uintptr, op int, value int32, nbi bool) error {
	return e.put(pe, 0, 0, 0, &signalUpdate{Off: off, Op: op, Value: value}, nbi)
}

func (e *Engine) put(pe int, off, src, n uintptr, sig *signalUpdate, nbi bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if n == 0 && sig == nil {
		return nil
	}
	p, err := e.peer(pe)
	if err != nil {
		return err
	}
	it := item{op: opPut, off: off, n: n, local: src, chunk: e.wireChunk()}
	if n > 0 {
		if err := e.checkRemote(pe, off, n); err != nil {
			return err
		}
		if err := checkLocal(src, n, errNotReadable); err != nil {
			return err
		}
		if !readable(src, n) {
			return errNotReadable(src, n)
		}
	}
	if sig != nil {
		if err := sig.Check(pe, e.cfg.HeapSize); err != nil {
			return err
		}
		it.flags |= flagSignal
		it.aux, it.a, it.b = uint8(sig.Op), uint64(sig.Off), uint64(uint32(sig.Value))
	}
	if nbi {
		_, err := p.submit(it, nil, false)
		return err
	}
	if lanes := e.lanesTo(pe, n); lanes != nil {
		return e.putOverLanes(lanes, it)
	}
	it.flags |= flagAck
	return e.await(p, it)
}

func (e *Engine) get(dst uintptr, pe int, off, n uintptr, nbi bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if n == 0 {
		return nil
	}
	p, err := e.peer(pe)
	if err != nil {
		return err
	}
	if err := e.checkRemote(pe, off, n); err != nil {
		return err
	}
	if err := checkLocal(dst, n, errNotWritable); err != nil {
		return err
	}
	it := item{op: opGet, off: off, n: n, local: dst, chunk: e.wireChunk()}
	if nbi {
		_, err := p.submit(it, nil, false)
		return err
	}
	if lanes := e.lanesTo(pe, n); lanes != nil {
		return e.overLanes(lanes, it)
	}
	return e.await(p, it)
}

// await submits a blocking operation and waits for its answer.
func (e *Engine) await(p *peer, it item) error {
	_, err := e.awaitValue(p, it)
	return err
}

func (e *Engine) awaitValue(p *peer, it item) (uint64, error) {
	// Taken before the submit: a caller still writing its request to a
	// frozen peer is interrupted too (see drain).
	mark := interrupt.Now()
	w := getWaiter()
	reader, err := p.submit(it, w, true)
	if err != nil {
		w.release()
		return 0, err
	}
	if reader {
		p.readFor(w, mark.Done())
	}
	// The operation timeout is kept by the engine's watchdog (watchOps),
	// which fails the call through its waiter: no timer per call.
	select {
	case <-w.done:
		return w.finish()
	case <-mark.Done():
	}
	if !p.abandon(w.id) {
		// Answered, failed or timed out meanwhile: take that answer. A
		// failure the interrupt caused (a write to a frozen peer given up)
		// is the interrupt.
		<-w.done
		v, err := w.finish()
		if ierr := mark.Err(); err != nil && ierr != nil {
			return 0, ierr
		}
		return v, err
	}
	// The waiter stays with the peer, which drops the late answer.
	return 0, mark.Err()
}

// checkRemote accepts [off, off+n) inside a heap (overflow-safe).
func (e *Engine) checkRemote(pe int, off, n uintptr) error {
	if n > e.cfg.HeapSize || off > e.cfg.HeapSize-n {
		return errOutsideHeap(pe, off, n, e.cfg.HeapSize)
	}
	return nil
}

// checkLocal rejects local ranges that cannot be memory: in the first page
// (reported by inaccessible) or wrapping around.
func checkLocal(addr, n uintptr, inaccessible func(addr, n uintptr) error) error {
	if addr < minLocalAddress {
		return inaccessible(addr, n)
	}
	if addr+n < addr {
		return errLocalWraps(addr, n)
	}
	return nil
}
