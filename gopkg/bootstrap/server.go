package bootstrap

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/errcode"
)

// serverPhase is where rank 0's server is in the job's life.
type serverPhase int

const (
	phaseJoining serverPhase = iota // waiting for all ranks to say Hello
	phaseRunning                    // everyone joined: collectives, exits, leaves
	phaseFailed                     // the join failed; everyone was told
	phaseClosing                    // shutting down
)

// peer is the server's end of one accepted connection.
type peer struct {
	conn net.Conn
	q    *sendQueue
	rank int  // -1 until its Hello was accepted
	left bool // sent Leave: its drop is no loss
	lost bool // dropped without Leave
}

// server is rank 0's rendezvous and control plane. All state is guarded by
// mu; handlers never block under it (sends go through the peers' queues).
type server struct {
	size    int
	addr    string // as configured, for messages
	ln      net.Listener
	started time.Time
	joinAt  time.Time // when a join still missing ranks fails

	mu        sync.Mutex
	phase     serverPhase
	peers     []*peer            // by rank, once joined
	gaveUp    map[int]bool       // ranks that said Hello, then dropped during the join
	conns     map[*peer]struct{} // every connection whose reader runs
	queues    map[*sendQueue]struct{}
	joinTimer *time.Timer
	gathers   map[gatherKey]*gatherEntry
	tombs     map[gatherKey]*tomb
	lostErr   *errcode.Error // the first loss; every collective fails with it from then on
	departed  int            // ranks other than 0 that left or were lost
	othersOut chan struct{}  // closed once departed == size-1
	outClosed bool

	joined     chan struct{} // closed when the join phase ends, either way
	joinErr    *errcode.Error
	onJoinFail func()
	closing    chan struct{}
	wg         sync.WaitGroup
}

// listen binds rank 0's address and starts accepting. deadline is when a
// join that still misses ranks fails; onJoinFail runs (under the server's
// lock, so it must not block) when the join fails for any reason.
func listen(cfg *Config, deadline time.Time, onJoinFail func()) (*server, error) {
	lc := net.ListenConfig{KeepAliveConfig: keepAlive}
	ln, err := lc.Listen(context.Background(), "tcp", cfg.Addr)
	if err != nil {
		return nil, bootstrapErr("address %s could not be bound: %v", cfg.Addr, err)
	}
	if cfg.ServerTLS != nil {
		ln = tls.NewListener(ln, cfg.ServerTLS)
	}
	s := &server{
		size:       cfg.Size,
		addr:       cfg.Addr,
		ln:         ln,
		started:    time.Now(),
		joinAt:     deadline,
		peers:      make([]*peer, cfg.Size),
		gaveUp:     make(map[int]bool),
		conns:      make(map[*peer]struct{}),
		queues:     make(map[*sendQueue]struct{}),
		gathers:    make(map[gatherKey]*gatherEntry),
		tombs:      make(map[gatherKey]*tomb),
		othersOut:  make(chan struct{}),
		joined:     make(chan struct{}),
		closing:    make(chan struct{}),
		onJoinFail: onJoinFail,
	}
	s.joinTimer = time.AfterFunc(time.Until(deadline), s.joinTimedOut)
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// dialAddr is where rank 0's own client connects: the configured host (so a
// TLS certificate for it verifies) with the port actually bound, or loopback
// when the configured host is a wildcard.
func (s *server) dialAddr(configured string) string {
	host, _, _ := net.SplitHostPort(configured)
	_, port, _ := net.SplitHostPort(s.ln.Addr().String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

func (s *server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of fds and the like: back off instead of spinning.
			select {
			case <-s.closing:
				return
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		p := &peer{conn: conn, q: newSendQueue(conn), rank: -1}
		s.mu.Lock()
		if s.phase == phaseClosing || s.phase == phaseFailed {
			s.mu.Unlock()
			conn.Close()
			continue
		}
		s.conns[p] = struct{}{}
		s.queues[p.q] = struct{}{}
		s.wg.Add(2)
		s.mu.Unlock()
		go s.runQueue(p.q)
		go s.serve(p)
	}
}

func (s *server) runQueue(q *sendQueue) {
	defer s.wg.Done()
	q.run()
	s.mu.Lock()
	delete(s.queues, q)
	s.mu.Unlock()
}

// admitLocked decides on a Hello. It returns false when the connection is
// to be dropped (after any Reject queued for it).
func (s *server) admitLocked(p *peer, h helloMsg) bool {
	switch {
	case s.phase == phaseRunning:
		// Most likely the next job of the same ranks, started while this one
		// is finalizing: the client retries until this server is gone.
		p.q.push(frameOf(rejectMsg{code: errcode.BootstrapError, retry: true,
			msg: bootstrapErr("PE 0 at %s still runs a job whose %d PEs have all joined (PE %d of %d came late, or twice)",
				s.addr, s.size, h.rank, h.size).Msg}.encode()))
		return false
	case s.phase != phaseJoining:
		return false
	}
	p.rank = h.rank // so failJoinLocked tells this connection too
	switch {
	case h.size != s.size:
		s.failJoinLocked(bootstrapErr("rank %d says size %d, rank 0 says size %d", h.rank, h.size, s.size))
		return false
	case h.rank < 0 || h.rank >= s.size:
		s.failJoinLocked(bootstrapErr("rank %d is out of range for size %d", h.rank, s.size))
		return false
	case s.peers[h.rank] != nil:
		s.failJoinLocked(bootstrapErr("rank %d joined twice", h.rank))
		return false
	}
	s.peers[h.rank] = p
	for _, q := range s.peers {
		if q == nil {
			return true
		}
	}
	s.phase = phaseRunning
	s.joinTimer.Stop()
	welcome := encodeWelcome(s.size)
	for _, q := range s.peers {
		q.q.push(frameOf(welcome))
	}
	close(s.joined)
	s.checkOthersOutLocked()
	return true
}

// failJoinLocked ends a join that cannot succeed: every connection that said
// Hello learns why, and the listener closes.
func (s *server) failJoinLocked(err *errcode.Error) {
	if s.phase != phaseJoining {
		return
	}
	s.phase = phaseFailed
	s.joinErr = err
	s.joinTimer.Stop()
	s.ln.Close()
	reject := rejectMsg{code: err.Code, msg: err.Msg}.encode()
	for p := range s.conns {
		if p.rank >= 0 {
			p.q.push(frameOf(reject))
		}
		p.q.drain()
	}
	close(s.joined)
	s.onJoinFail()
}

// joinError is why the join failed, nil if it did not (yet).
func (s *server) joinError() *errcode.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joinErr
}

func (s *server) failJoin(err *errcode.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failJoinLocked(err)
}

// failJoinFromContext ends the join when Join's context is done: a passed
// deadline counts as the join timeout, naming the missing ranks.
func (s *server) failJoinFromContext(ctx context.Context) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.joinTimedOut()
		return
	}
	s.failJoin(contextErr(ctx, "join"))
}

func (s *server) joinTimedOut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != phaseJoining {
		return
	}
	var missing, gaveUp []int
	for r, p := range s.peers {
		switch {
		case p != nil:
		case s.gaveUp[r]:
			gaveUp = append(gaveUp, r)
		default:
			missing = append(missing, r)
		}
	}
	within := formatDuration(time.Since(s.started))
	var err *errcode.Error
	switch {
	case len(gaveUp) == 0:
		err = timeoutErr("%s of %d never arrived within %s", formatPEs(missing), s.size, within)
	case len(missing) == 0:
		err = timeoutErr("not all %d PEs were present within %s: %s arrived but gave up", s.size, within, formatPEs(gaveUp))
	default:
		err = timeoutErr("%s of %d never arrived within %s (%s arrived but gave up)", formatPEs(missing), s.size, within, formatPEs(gaveUp))
	}
	s.failJoinLocked(err)
}

// departLocked counts a rank other than 0 that is gone for good.
func (s *server) departLocked(rank int) {
	if rank != 0 {
		s.departed++
	}
	s.checkOthersOutLocked()
}

func (s *server) checkOthersOutLocked() {
	if s.phase == phaseRunning && s.departed == s.size-1 && !s.outClosed {
		s.outClosed = true
		close(s.othersOut)
	}
}

// waitOthersOut is rank 0's part of finalize: it returns once every other
// rank left (or was lost), or reports who did not within bound.
func (s *server) waitOthersOut(bound time.Duration) error {
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-s.othersOut:
		return nil
	case <-t.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var staying []int
	for r, p := range s.peers {
		if r != 0 && p != nil && !p.left && !p.lost {
			staying = append(staying, r)
		}
	}
	if len(staying) == 0 {
		return nil
	}
	return timeoutErr("%s did not finalize within %s; PE 0 closed the rendezvous anyway", formatPEs(staying), formatDuration(bound))
}

// shutdown closes the listener and every connection, telling the peers still
// connected that the server is going away, and waits for all its goroutines.
func (s *server) shutdown() { s.close(true) }

// abort is shutdown without goodbyes: what the others see when rank 0 dies.
func (s *server) abort() { s.close(false) }

func (s *server) close(graceful bool) {
	s.mu.Lock()
	if s.phase == phaseClosing {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	wasRunning := s.phase == phaseRunning
	s.phase = phaseClosing
	s.joinTimer.Stop()
	close(s.closing)
	s.ln.Close()
	queues := make([]*sendQueue, 0, len(s.queues))
	for q := range s.queues {
		queues = append(queues, q)
	}
	if graceful && wasRunning {
		bye := encodeEmpty(kindShutdown)
		for _, p := range s.peers {
			if !p.left && !p.lost {
				p.q.push(frameOf(bye))
			}
		}
	}
	s.mu.Unlock()
	for _, q := range queues {
		if graceful {
			q.drain()
		} else {
			q.stop()
		}
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(shutdownFlush):
	}
	for _, q := range queues {
		q.stop()
	}
	<-done
}

// sortedCopy returns ranks sorted, leaving the caller's slice alone.
func sortedCopy(ranks []int) []int {
	c := slices.Clone(ranks)
	slices.Sort(c)
	return c
}
