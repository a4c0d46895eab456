package netengine

import (
	"errors"
	"io"
	"runtime/debug"
	"syscall"
)

// readLoop is the reader goroutine: it reads answers whenever it is handed
// the read role (see holdsRead), and at Close fails whatever is left. Faults
// are turned into panics for the whole goroutine: it writes get data into
// the callers' memory.
func (p *peer) readLoop() {
	defer p.e.wg.Done()
	debug.SetPanicOnFault(true)
	for {
		select {
		case <-p.readKick:
			p.src.direct = false
			for p.stillReading() {
				if err := p.readAnswer(); err != nil {
					p.fail(err)
					p.releaseRead()
					break
				}
			}
		case <-p.stop:
			p.fail(errClosed)
			return
		}
	}
}

// takeRead is called by submit under p.mu: if nobody holds the read role,
// the caller takes it for itself (self, on a stream it can read directly)
// and true is returned, or it is handed to the reader goroutine.
func (p *peer) takeRead(self bool) bool {
	if p.reading {
		return false
	}
	p.reading = true
	if self && p.src.rc != nil {
		return true
	}
	p.readKick <- struct{}{} // empty: only the one who set reading sends
	return false
}

// stillReading is asked by the holder of the read role: true while an
// answer may still come (an operation is pending, or NBI operations are not
// known complete, whose failures are answered); else the role is given up.
func (p *peer) stillReading() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil && (len(p.pending) > 0 || p.lastNBI.Load() >= p.completeBelow.Load()) {
		return true
	}
	p.reading = false
	return false
}

// releaseRead gives the read role up after the connection failed.
func (p *peer) releaseRead() {
	p.mu.Lock()
	p.reading = false
	p.mu.Unlock()
}

// handOffRead is how a caller reading for itself stops: the reader
// goroutine takes over while answers may still come, else the role is free.
func (p *peer) handOffRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil && (len(p.pending) > 0 || p.lastNBI.Load() >= p.completeBelow.Load()) {
		p.readKick <- struct{}{}
		return
	}
	p.reading = false
}

// readFor is a blocked caller holding the read role: it reads answers (its
// own and any others') itself until w is answered or stop is ready, then
// hands the role on. Answers with more data than fit the read buffer (large
// gets) are left to the reader goroutine, which reads them straight into
// their destination: a caller may stop only between answers, and a large
// one could keep it past its timeout or Ctrl-C.
func (p *peer) readFor(w *waiter, stop <-chan struct{}) {
	prev := debug.SetPanicOnFault(true) // get data goes into callers' memory
	defer debug.SetPanicOnFault(prev)
	p.src.direct = true // the reader goroutine sets it back when it takes over
	for len(w.done) == 0 {
		select {
		case <-stop:
			p.handOffRead()
			return
		default:
		}
		next, err := p.readBuffered()
		if err != nil {
			p.fail(err)
			p.releaseRead()
			return
		}
		if next == answerLarge {
			break
		}
	}
	p.handOffRead()
}

// What readBuffered did.
const (
	answerHandled = iota
	answerNotYet  // its bytes are not all here yet
	answerLarge   // it does not fit the read buffer: left for the reader goroutine
)

// readBuffered handles the next answer if it fits the read buffer, waiting
// at most one slice for its bytes.
func (p *peer) readBuffered() (int, error) {
	hdr, err := p.br.Peek(responseHeaderLen)
	if err != nil {
		return answerNotYet, wouldBlockIsNil(err)
	}
	var r response
	r.decode(hdr)
	if r.len > 0 {
		if r.len > uint64(p.br.Size()-responseHeaderLen) {
			return answerLarge, nil
		}
		if _, err := p.br.Peek(responseHeaderLen + int(r.len)); err != nil {
			return answerNotYet, wouldBlockIsNil(err)
		}
	}
	_, _ = p.br.Discard(responseHeaderLen)
	return answerHandled, p.handle(&r)
}

func wouldBlockIsNil(err error) error {
	if errors.Is(err, errWouldBlock) {
		return nil
	}
	return err
}

// readAnswer reads and handles one answer, waiting as long as it takes.
func (p *peer) readAnswer() error {
	if _, err := io.ReadFull(p.br, p.respBuf[:]); err != nil {
		return err
	}
	var r response
	r.decode(p.respBuf[:])
	return p.handle(&r)
}

// handle processes one answer. Answers come in id order, so an answer for id
// x means every operation before x is complete (doc.go, "Completion").
func (p *peer) handle(r *response) error {
	p.mu.Lock()
	op, known := p.pending[r.id]
	p.mu.Unlock()
	final := r.flags&flagFinal != 0
	changed := false
	switch r.status {
	case statusError:
		if r.len > maxErrorTextLen {
			return errProtocol(p.pe, "error text of %d bytes", r.len)
		}
		msg := make([]byte, r.len)
		if _, err := io.ReadFull(p.br, msg); err != nil {
			return err
		}
		err := errRemote(p.pe, r.code, string(msg))
		switch {
		case !known:
			// An NBI put or signal: only failures are answered.
			p.e.recordNBI(err)
		case op.err == nil:
			op.err, changed = err, true
		}
	case statusOK:
		if !known {
			return errProtocol(p.pe, "answer to operation %d, which is not awaited", r.id)
		}
		if r.len > 0 {
			if !op.get {
				return errProtocol(p.pe, "data in the answer to operation %d, which is not a get", r.id)
			}
			ok, err := p.receiveLocked(&op, r)
			if err != nil {
				return err
			}
			if !ok && op.err == nil {
				op.err, changed = errNotWritable(op.dst, op.n), true
			}
		}
	default:
		return errProtocol(p.pe, "answer status %d", r.status)
	}
	if !final {
		if changed {
			p.mu.Lock()
			if cur, ok := p.pending[r.id]; ok && cur.abandoned {
				op.abandoned, op.w = true, nil
			}
			p.pending[r.id] = op
			p.mu.Unlock()
		}
		p.completeBelow.Store(r.id)
		return nil
	}
	if known {
		p.mu.Lock()
		cur := p.pending[r.id]
		delete(p.pending, r.id)
		p.mu.Unlock()
		switch {
		case cur.abandoned:
			// Its caller left with a timeout or Ctrl-C and was told so: the
			// answer, error or not, is nobody's now.
		case op.w != nil:
			op.w.complete(r.value, op.err)
		case op.err != nil:
			p.e.recordNBI(op.err)
		}
	}
	p.completeBelow.Store(r.id + 1)
	return nil
}

// receiveLocked is receive under recvMu, with the operation read again
// there: a caller that abandoned it (see abandon) gets no more data.
func (p *peer) receiveLocked(op *pendingOp, r *response) (bool, error) {
	p.recvMu.Lock()
	defer p.recvMu.Unlock()
	p.mu.Lock()
	if cur, ok := p.pending[r.id]; ok {
		op.abandoned, op.w = cur.abandoned, cur.w
	}
	p.mu.Unlock()
	if op.abandoned {
		_, err := p.br.Discard(int(r.len))
		return true, err
	}
	return p.receive(op, r)
}

// receive reads a piece of get data into the caller's memory. It returns
// false when that memory faulted; the piece is then read and dropped, so the
// connection stays in step.
func (p *peer) receive(op *pendingOp, r *response) (bool, error) {
	if r.off < uint64(op.off) || r.len > uint64(op.n) || r.off-uint64(op.off) > uint64(op.n)-r.len {
		return false, errProtocol(p.pe, "get data [%#x +%d) outside the asked range [%#x +%d)", r.off, r.len, op.off, op.n)
	}
	n := uintptr(r.len)
	got, faulted, err := p.readInto(op.dst+uintptr(r.off)-op.off, n)
	if err != nil {
		return false, err
	}
	if faulted {
		if _, err := p.br.Discard(int(n - got)); err != nil {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// readInto reads n bytes into [dst, dst+n). A bad destination shows up as a
// fault while bufio or TLS copies into it, or as EFAULT from a read system
// call straight into it; either way the bytes not yet consumed stay in the
// stream (the kernel does not consume what it could not copy), and got says
// how many were.
func (p *peer) readInto(dst, n uintptr) (got uintptr, faulted bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			faulted = true
		}
	}()
	buf := bytesAt(dst, n)
	for got < n {
		m, rerr := p.br.Read(buf[got:])
		got += uintptr(m)
		if rerr != nil {
			if errors.Is(rerr, syscall.EFAULT) {
				return got, true, nil
			}
			return got, false, rerr
		}
	}
	return got, false, nil
}
