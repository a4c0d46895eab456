package netengine

import "runtime/debug"

// submit queues an operation for the peer. A blocking caller (w != nil) that
// finds nobody writing becomes the writer itself, which saves a goroutine
// hand-off on the latency path; NBI work is handed to the sender goroutine.
// Gets and blocking operations are registered to await their answer.
func (p *peer) submit(it item, w *waiter) error {
	p.mu.Lock()
	for p.failed == nil && p.queue.len() >= maxQueuedOps {
		p.room.Wait()
	}
	if p.failed != nil {
		err := p.failed
		p.mu.Unlock()
		return err
	}
	p.nextID++
	it.id = p.nextID
	if w != nil || it.op == opGet {
		p.pending[it.id] = pendingOp{w: w, get: it.op == opGet, dst: it.local, off: it.off, n: it.n}
	}
	if w == nil {
		p.lastNBI.Store(it.id)
	}
	p.queue.push(it)
	start := !p.flushing
	p.flushing = true
	p.mu.Unlock()

	switch {
	case !start:
	case w != nil:
		p.drain()
	default:
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// drain writes queued items until the queue is empty and the buffered bytes
// are on the socket, then gives up the writer's role. Once the connection is
// broken, items are dropped: the reader fails their callers.
func (p *peer) drain() {
	prev := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(prev)
	for {
		p.mu.Lock()
		if p.queue.len() == 0 {
			if p.broken || p.bw.Buffered() == 0 {
				p.flushing = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			if err := p.bw.Flush(); err != nil {
				p.breakSend(err)
			}
			continue
		}
		it := p.queue.pop()
		broken := p.broken
		p.room.Signal()
		p.mu.Unlock()
		if !broken {
			p.write(&it)
		}
	}
}

// write puts one item on the wire. The source of a put was checked readable
// when it was issued; if it stopped being readable since (freed before
// Quiet), the fault in the middle of a frame leaves the stream unusable, so
// the connection is given up.
func (p *peer) write(it *item) {
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			p.breakSend(errNotReadable(it.local, it.n))
		}
	}()
	var err error
	switch it.op {
	case opPut, opGet:
		err = p.writeChunks(it)
	default:
		r := request{op: it.op, aux: it.aux, width: it.width, flags: flagFinal, id: it.id, off: uint64(it.off), a: it.a, b: it.b}
		err = p.writeRequest(&r, 0, 0)
	}
	if err != nil {
		p.breakSend(err)
	}
}

// writeChunks sends a put or get as frames of at most it.chunk bytes; the
// final one carries the put's acknowledgement and signal flags.
func (p *peer) writeChunks(it *item) error {
	sent := uintptr(0)
	for {
		piece := min(it.chunk, it.n-sent)
		r := request{op: it.op, id: it.id, off: uint64(it.off + sent), len: uint64(piece)}
		if sent+piece == it.n {
			r.flags = flagFinal | it.flags
			r.aux, r.a, r.b = it.aux, it.a, it.b
		}
		payload := uintptr(0)
		if it.op == opPut {
			payload = piece
		}
		if err := p.writeRequest(&r, it.local+sent, payload); err != nil {
			return err
		}
		sent += piece
		if sent == it.n {
			return nil
		}
	}
}

func (p *peer) writeRequest(r *request, addr, n uintptr) error {
	r.encode(p.reqBuf[:])
	return writeFrame(p.bw, p.conn, &p.iov, &p.bufs, p.reqBuf[:], addr, n)
}
