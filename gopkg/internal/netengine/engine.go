package netengine

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/tcpopt"

	"github.com/pyshmem/shmem/gopkg/internal/callgate"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// Engine is this PE's network data plane: a listener that applies other PEs'
// requests to this PE's heap, and one outgoing connection per PE it was told
// to reach. Its methods are safe for concurrent use.
type Engine struct {
	cfg  Config
	ln   net.Listener
	addr string

	peers     atomic.Pointer[[]*peer]   // peers[pe]: the connection to pe, nil when not used; nil until Connect
	lanes     atomic.Pointer[[][]*peer] // lanes[pe]: every connection to pe, peers[pe] first (Config.Lanes of them)
	chunkSize atomic.Uintptr
	gate      callgate.Gate

	nbiMu  sync.Mutex
	nbiErr error // first NBI failure since the last Quiet

	mu        sync.Mutex
	closed    bool
	connected bool                  // Connect ran
	inbound   map[net.Conn]struct{} // accepted connections, for Close
	outbound  []*peer               // every peer ever created, for Close

	closeMu   sync.Mutex
	closeDone bool
	closing   context.Context // canceled when Close begins: ends dials and pauses in progress
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	// now is a coarse clock (unix ns) the watchdog advances: blocking calls
	// stamp their pending entry with it at the cost of one atomic load.
	now atomic.Int64
}

// Listen validates cfg, listens on ListenHost with a kernel-chosen port and
// starts accepting other PEs' connections.
func Listen(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{KeepAliveConfig: tcpopt.KeepAlive, Control: tcpopt.Control}
	ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(cfg.ListenHost, "0"))
	if err != nil {
		return nil, errcode.New(errcode.BootstrapError, "network engine of PE %d cannot listen on %q: %v",
			cfg.Rank, cfg.ListenHost, err)
	}
	e := &Engine{cfg: cfg, ln: ln, addr: ln.Addr().String(), inbound: map[net.Conn]struct{}{}}
	e.closing, e.cancel = context.WithCancel(context.Background())
	e.chunkSize.Store(cfg.ChunkSize)
	e.now.Store(time.Now().UnixNano())
	e.wg.Add(2)
	go e.acceptLoop()
	go e.watch()
	return e, nil
}

// watch is the engine's watchdog. It keeps the operation timeout
// (control_operation_timeout) of blocking calls: one whose answer has not
// come in time is abandoned and failed with TimeoutError (a frozen peer
// cannot block a caller forever, and the calls pay for no timer). And it
// keeps callers from being stuck writing to a peer that reads nothing (a
// frozen process whose socket buffers are full): on Ctrl-C, or once a
// caller has been writing for longer than the timeout, it puts that
// connection's write deadline in the past, which ends the write and gives
// the connection up (a frame is cut, so the stream is unusable; every caller
// waiting on the peer gets the error). Without a timeout it sleeps until an
// interrupt; with one it ticks at an eighth of it (50-500 ms).
func (e *Engine) watch() {
	defer e.wg.Done()
	var tick <-chan time.Time
	limit, period := e.cfg.OpTimeout, time.Duration(0)
	if limit > 0 {
		period = min(max(limit/8, 50*time.Millisecond), 500*time.Millisecond)
		t := time.NewTicker(period)
		defer t.Stop()
		tick = t.C
	}
	for {
		mark := interrupt.Now()
		select {
		case <-e.closing.Done():
			return
		case <-mark.Done():
		case <-tick:
		}
		now := time.Now().UnixNano()
		e.now.Store(now)
		peers := e.peers.Load()
		if peers == nil {
			continue
		}
		epoch := interrupt.Epoch()
		for _, p := range *peers {
			if p == nil {
				continue
			}
			if since := p.writeSince.Load(); since != 0 &&
				(p.writeEpoch.Load() != epoch || (limit > 0 && time.Duration(now-since) > limit)) {
				_ = p.raw.SetWriteDeadline(time.Unix(1, 0))
			}
			if limit > 0 {
				// Stamps come from the clock of the last tick, up to a
				// period early: never fail a call before its full timeout.
				p.expire(now, limit+period, limit)
			}
		}
	}
}

// Addr is the "host:port" other PEs dial. With ListenHost "" the host is the
// unspecified address; the job layer replaces it with an address of this host
// that the others can reach.
func (e *Engine) Addr() string { return e.addr }

// SetChunkSize sets the piece size of later large transfers (n > 0). Pieces
// on the wire are at most 1 GiB whatever the setting.
func (e *Engine) SetChunkSize(n uintptr) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if n == 0 {
		return errBadChunkSize()
	}
	e.chunkSize.Store(n)
	return nil
}

// ChunkSize reports the piece size of large transfers.
func (e *Engine) ChunkSize() uintptr { return e.chunkSize.Load() }

// wireChunk is the piece size used on the wire.
func (e *Engine) wireChunk() uintptr { return min(e.chunkSize.Load(), maxFrameLen) }

// peer returns the connection to pe, or the error saying why there is none.
func (e *Engine) peer(pe int) (*peer, error) {
	if pe < 0 || pe >= e.cfg.Size {
		return nil, errNoSuchPE(pe, e.cfg.Size)
	}
	peers := e.peers.Load()
	if peers == nil || (*peers)[pe] == nil {
		return nil, errNotConnected(pe)
	}
	return (*peers)[pe], nil
}

// recordNBI keeps err if it is the first NBI failure since the last Quiet.
func (e *Engine) recordNBI(err error) {
	e.nbiMu.Lock()
	if e.nbiErr == nil {
		e.nbiErr = err
	}
	e.nbiMu.Unlock()
}

func (e *Engine) takeNBIErr() error {
	e.nbiMu.Lock()
	err := e.nbiErr
	e.nbiErr = nil
	e.nbiMu.Unlock()
	return err
}

// Close completes outstanding NBI operations (waiting at most 10 s for a
// peer that neither answers nor drops), then closes the listener and every
// connection and waits for every goroutine of the engine. Calls blocked on
// a peer return errcode.NotInited. It returns the NBI error nobody
// collected. Idempotent; afterwards every call returns errcode.NotInited.
func (e *Engine) Close() error {
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	if e.closeDone {
		return nil
	}
	e.closeDone = true
	e.gate.Shut()
	e.cancel()
	drainErr := e.completeNBI(closeDrainTimeout)

	e.mu.Lock()
	e.closed = true
	inbound := make([]net.Conn, 0, len(e.inbound))
	for c := range e.inbound {
		inbound = append(inbound, c)
	}
	outbound := e.outbound
	e.mu.Unlock()

	_ = e.ln.Close()
	for _, c := range inbound {
		_ = c.Close()
	}
	for _, p := range outbound {
		p.close()
	}
	e.gate.Wait()
	e.wg.Wait()
	if err := e.takeNBIErr(); err != nil {
		return err
	}
	return drainErr
}

// track registers an accepted connection for Close; false once closed.
func (e *Engine) track(c net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.inbound[c] = struct{}{}
	return true
}

func (e *Engine) untrack(c net.Conn) {
	e.mu.Lock()
	delete(e.inbound, c)
	e.mu.Unlock()
}

// pause sleeps d unless Close begins meanwhile; false when it did.
func (e *Engine) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.closing.Done():
		return false
	}
}

// PeerLost fails the connection to pe, and with it every operation waiting
// on it and every later one, because the job learnt that pe is gone (the
// rendezvous saw it die). Without it a put to a host that vanished without
// closing its sockets would wait for TCP to give up.
func (e *Engine) PeerLost(pe int, cause error) {
	if p, err := e.peer(pe); err == nil {
		p.breakSend(cause)
	}
}
