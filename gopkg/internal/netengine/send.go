package netengine

import (
	"runtime/debug"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// submit queues an operation for the peer. A blocking caller (w != nil) that
// finds nobody writing becomes the writer itself, which saves a goroutine
// hand-off on the latency path; NBI work is handed to the sender goroutine.
// Gets and blocking operations are registered to await their answer. If
// nobody holds the read role, a blocking caller that will read its answer
// itself (self) takes it, and true is returned (it must then call readFor);
// otherwise the reader goroutine is given it.
func (p *peer) submit(it item, w *waiter, self bool) (bool, error) {
	p.mu.Lock()
	for p.failed == nil && p.queue.len() >= maxQueuedOps {
		p.room.Wait()
	}
	if p.failed != nil {
		err := p.failed
		p.mu.Unlock()
		return false, err
	}
	p.nextID++
	it.id = p.nextID
	if w != nil {
		w.id = it.id
	}
	if w != nil || it.op == opGet {
		op := pendingOp{w: w, get: it.op == opGet, dst: it.local, off: it.off, n: it.n}
		if w != nil && it.op != opFlush { // Quiet keeps the timeout of its flushes itself
			op.since = p.e.now.Load()
		}
		p.pending[it.id] = op
	}
	if w == nil {
		p.lastNBI.Store(it.id)
	}
	p.queue.push(it)
	start := !p.flushing
	p.flushing = true
	reader := p.takeRead(self && w != nil)
	p.mu.Unlock()

	switch {
	case !start:
	case w != nil:
		p.drain(it.id)
	default:
		p.kickSender()
	}
	return reader, nil
}

// kickSender hands the writer's role to the sender goroutine. Only the one
// who set flushing sends a kick, and the sender takes it before writing, so
// the channel is always empty here.
func (p *peer) kickSender() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// drain writes queued items in order. The sender goroutine (own == 0)
// writes until the queue is empty; a blocking caller stops once its own
// item (id own) is written, so that others' NBI traffic cannot keep it
// from returning, and hands what is left to the sender goroutine. Either
// way the buffered bytes are on the socket before it gives up the writer's
// role. Once the connection is broken, items are dropped: the reader fails
// their callers.
func (p *peer) drain(own uint64) {
	prev := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(prev)
	if own != 0 {
		p.beginWrite()
		defer p.endWrite()
	}
	ownWritten := false
	for {
		p.mu.Lock()
		if p.queue.len() == 0 || ownWritten {
			if !p.broken && p.bw.Buffered() > 0 {
				p.mu.Unlock()
				if err := p.bw.Flush(); err != nil {
					p.breakSend(err)
				}
				continue
			}
			handOff := p.queue.len() > 0
			p.flushing = handOff
			p.mu.Unlock()
			if handOff {
				p.kickSender()
			}
			return
		}
		it := p.queue.pop()
		broken := p.broken
		p.room.Signal()
		p.mu.Unlock()
		if !broken {
			p.write(&it)
		}
		ownWritten = own != 0 && it.id == own
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

// beginWrite marks this peer's blocking caller as writing, for the write
// watchdog (see watchWrites): two atomic stores, no allocation.
func (p *peer) beginWrite() {
	p.writeEpoch.Store(interrupt.Epoch())
	p.writeSince.Store(time.Now().UnixNano())
}

func (p *peer) endWrite() { p.writeSince.Store(0) }
