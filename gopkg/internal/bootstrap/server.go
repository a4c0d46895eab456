package bootstrap

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/tcpopt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
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

	challenge   []byte // the nonce this connection's Hello must answer
	clientNonce []byte // the Hello's nonce, which the Welcome answers
	gaveUp      bool   // said during the join that it stops waiting: its drop is no death
}

// server is rank 0's rendezvous and control plane. All state is guarded by
// mu; handlers never block under it (sends go through the peers' queues).
type server struct {
	size     int
	addr     string // as configured, for messages
	jobID    string
	authKey  []byte
	jobNonce []byte // public; with the job key it makes the data secret
	ln       net.Listener
	started  time.Time
	joinAt   time.Time // when a join still missing ranks fails

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

	exitSt *exitState // the first GlobalExit: it decides every PE's status

	joinErr    *errcode.Error
	onJoinFail func()
	closing    chan struct{}
	wg         sync.WaitGroup
}

// listen binds rank 0's address and starts accepting. started is when the
// join began and deadline when a join that still misses ranks fails (their
// difference is the budget messages name); onJoinFail runs (under the server's
// lock, so it must not block) when the join fails for any reason.
func listen(cfg *Config, started, deadline time.Time, onJoinFail func()) (*server, error) {
	lc := net.ListenConfig{KeepAliveConfig: tcpopt.KeepAlive, Control: tcpopt.Control}
	ln, err := lc.Listen(context.Background(), "tcp", cfg.Addr)
	if err != nil {
		if other, ok := probeRendezvous(cfg.Addr); ok {
			if other != cfg.JobID {
				return nil, bootstrapErr("address %s could not be bound: the rendezvous of another job, %s, runs there "+
					"(this PE 0 is of job %s); give each job its own address (SHMEM_IP_PORT, MASTER_PORT)",
					cfg.Addr, jobName(other), jobName(cfg.JobID))
			}
			return nil, bootstrapErr("address %s could not be bound: another PE 0 of job %s serves there "+
				"(two PEs with rank 0, or the previous run still finalizing)", cfg.Addr, jobName(cfg.JobID))
		}
		return nil, bootstrapErr("address %s could not be bound: %v", cfg.Addr, err)
	}
	if cfg.ServerTLS != nil {
		ln = tls.NewListener(ln, cfg.ServerTLS)
	}
	s := &server{
		size:       cfg.Size,
		addr:       cfg.Addr,
		jobID:      cfg.JobID,
		authKey:    cfg.authKey(),
		jobNonce:   newNonce(),
		ln:         ln,
		started:    started,
		joinAt:     deadline,
		peers:      make([]*peer, cfg.Size),
		gaveUp:     make(map[int]bool),
		conns:      make(map[*peer]struct{}),
		queues:     make(map[*sendQueue]struct{}),
		gathers:    make(map[gatherKey]*gatherEntry),
		tombs:      make(map[gatherKey]*tomb),
		othersOut:  make(chan struct{}),
		closing:    make(chan struct{}),
		onJoinFail: onJoinFail,
	}
	s.joinTimer = time.AfterFunc(time.Until(deadline), s.joinTimedOut)
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// probeTimeout bounds the question: a rendezvous answers a Knock at once.
const probeTimeout = 500 * time.Millisecond

// probeRendezvous asks whoever holds addr whether it is a shmem rendezvous,
// and of which job, so that a PE 0 that cannot bind can say why.
func probeRendezvous(addr string) (string, bool) {
	conn, err := net.DialTimeout("tcp", addr, probeTimeout)
	if err != nil {
		return "", false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(probeTimeout))
	if _, err := conn.Write(encodeKnock()); err != nil {
		return "", false
	}
	kind, payload, err := readFrame(conn, maxHandshakeFrameLen)
	if err != nil || kind != kindChallenge {
		return "", false
	}
	ch, err := decodeChallenge(payload)
	if err != nil || ch.magic != protocolMagic {
		return "", false
	}
	return ch.jobID, true
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
