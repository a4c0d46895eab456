package netengine

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// peer is this PE's connection to another PE: requests go out through a FIFO
// send queue, answers come back in the same order to one reader goroutine.
type peer struct {
	e    *Engine
	pe   int
	conn net.Conn // the stream: raw, or TLS over raw
	// raw is the TCP socket. Closing it (never the TLS layer, whose Close
	// may block for seconds sending an alert to a peer that does not read)
	// ends every read and write at once.
	raw net.Conn

	mu       sync.Mutex
	queue    itemRing
	flushing bool      // some goroutine is writing the queue out
	room     sync.Cond // the queue shrank, or the peer failed
	pending  map[uint64]pendingOp
	nextID   uint64 // last id given out; ids grow in queue order
	failed   error  // set by the reader when the connection is gone; every later call gets it
	closing  bool   // Close is shutting the peer: its failure is errClosed
	sendErr  error  // why a sender gave up on the connection, if one did
	broken   bool   // the connection is unusable: queued items are dropped
	// reading: some goroutine holds the read role, the only one that reads
	// answers (a blocked caller reading for itself, or the reader
	// goroutine). Whenever an answer may come (an operation is pending, or
	// NBI operations are not known complete), somebody holds it.
	reading bool

	// Completion tracking for Quiet (doc.go, "Completion").
	lastNBI       atomic.Uint64 // id of the latest NBI operation, 0 for none
	completeBelow atomic.Uint64 // every operation with a smaller id is complete

	// A blocking caller writing its request: since when (unix ns, 0: none)
	// and the interrupt epoch then, for the write watchdog.
	writeSince atomic.Int64
	writeEpoch atomic.Uint64

	kick     chan struct{} // wakes the sender goroutine for NBI work
	readKick chan struct{} // hands the read role to the reader goroutine
	stop     chan struct{} // closed by close: the sender goroutine ends

	// Owned by whichever goroutine is flushing.
	bw     *bufio.Writer
	reqBuf [requestHeaderLen]byte
	iov    [2][]byte
	bufs   net.Buffers

	// recvMu is held by the reader while it writes get data into a caller's
	// memory, so abandon can wait until no piece is being written.
	recvMu sync.Mutex

	// Owned by the holder of the read role.
	src     *sockReader
	br      *bufio.Reader
	respBuf [responseHeaderLen]byte
}

func newPeer(e *Engine, pe int, conn, raw net.Conn) *peer {
	src := newSockReader(conn)
	p := &peer{
		e: e, pe: pe, conn: conn, raw: raw,
		pending:  map[uint64]pendingOp{},
		kick:     make(chan struct{}, 1),
		readKick: make(chan struct{}, 1),
		stop:     make(chan struct{}),
		bw:       bufio.NewWriterSize(conn, ioBufferSize),
		src:      src,
		br:       bufio.NewReaderSize(src, ioBufferSize),
	}
	p.room.L = &p.mu
	p.completeBelow.Store(1)
	return p
}

// start runs the peer's reader and sender goroutines.
func (p *peer) start() {
	p.e.wg.Add(2)
	go p.readLoop()
	go p.sendLoop()
}

// sendLoop writes the queue out when NBI calls kick it, so they return at
// once and the transfer overlaps with the caller's work.
func (p *peer) sendLoop() {
	defer p.e.wg.Done()
	for {
		select {
		case <-p.kick:
			p.drain(0)
		case <-p.stop:
			return
		}
	}
}

// close shuts the connection for Engine.Close; the reader then fails every
// waiting caller with errClosed. It is idempotent: a peer closed by a failed
// Connect is closed again by Close.
func (p *peer) close() {
	p.mu.Lock()
	again := p.closing
	p.closing = true
	p.mu.Unlock()
	if again {
		return
	}
	_ = p.raw.Close()
	close(p.stop)
}

// breakSend records why writing failed and closes the connection, which
// ends the reader and fails everything outstanding.
func (p *peer) breakSend(err error) {
	p.mu.Lock()
	if p.sendErr == nil {
		p.sendErr = err
	}
	p.broken = true
	p.mu.Unlock()
	_ = p.raw.Close()
}

// fail runs when the connection is gone, in the holder of the read role
// (or the reader goroutine at Close): every waiting caller and every later
// call gets the error, and lost NBI operations are reported to the next
// Quiet before any flush waiting in it returns. Only the first call acts.
func (p *peer) fail(cause error) {
	_ = p.raw.Close()
	p.mu.Lock()
	if p.failed != nil {
		p.mu.Unlock()
		return
	}
	var err error
	switch {
	case p.closing:
		err = errClosed
	case p.sendErr != nil:
		err = errPeerLost(p.pe, p.sendErr)
	default:
		err = errPeerLost(p.pe, describeEnd(cause))
	}
	p.failed = err
	p.broken = true
	ops := p.pending
	p.pending = map[uint64]pendingOp{}
	lost := p.lastNBI.Load() >= p.completeBelow.Load()
	p.completeBelow.Store(p.nextID + 1) // nothing is left to wait for
	p.room.Broadcast()
	p.mu.Unlock()

	if lost {
		p.e.recordNBI(err)
	}
	for _, op := range ops {
		if op.w != nil {
			op.w.complete(0, err)
		}
	}
}

// describeEnd words the reason a connection ended.
func describeEnd(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("closed by the peer (process gone?)")
	}
	return err
}

// abandon gives up on the blocking operation id for a caller that stops
// waiting (timeout, Ctrl-C): its answer will be dropped, and get data no
// longer lands in the caller's memory, which the caller may reuse as soon as
// abandon returns. It reports false when the operation is no longer pending
// (answered, or failed with the peer): its waiter has then been completed.
func (p *peer) abandon(id uint64) bool {
	p.recvMu.Lock() // no piece of its data is being written after this
	defer p.recvMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	op, ok := p.pending[id]
	if !ok {
		return false
	}
	op.abandoned, op.w = true, nil
	p.pending[id] = op
	return true
}

// expire fails the blocking calls waiting on this peer for longer than
// after (the operation timeout limit, plus the clock's slack) with
// TimeoutError, abandoning them as abandon does.
func (p *peer) expire(now int64, after, limit time.Duration) {
	var late []*waiter
	p.recvMu.Lock()
	p.mu.Lock()
	for id, op := range p.pending {
		if op.since != 0 && op.w != nil && !op.abandoned && time.Duration(now-op.since) > after {
			late = append(late, op.w)
			op.abandoned, op.w = true, nil
			p.pending[id] = op
		}
	}
	p.mu.Unlock()
	p.recvMu.Unlock()
	for _, w := range late {
		w.complete(0, errcode.New(errcode.TimeoutError,
			"PE %d did not answer within %s (control_operation_timeout): is it stopped?", p.pe, limit))
	}
}
