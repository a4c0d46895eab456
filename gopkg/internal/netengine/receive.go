package netengine

import (
	"errors"
	"io"
	"runtime/debug"
	"syscall"
)

// readLoop reads the peer's answers until the connection ends, then fails
// whatever is outstanding. Faults are turned into panics for the whole
// goroutine: it writes get data into the callers' memory.
func (p *peer) readLoop() {
	defer p.e.wg.Done()
	debug.SetPanicOnFault(true)
	p.fail(p.readAnswers())
}

func (p *peer) readAnswers() error {
	var r response
	for {
		if _, err := io.ReadFull(p.br, p.respBuf[:]); err != nil {
			return err
		}
		r.decode(p.respBuf[:])
		if err := p.handle(&r); err != nil {
			return err
		}
	}
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
