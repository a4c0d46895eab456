package bootstrap

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/errcode"
)

// Session is one PE's membership in a job: its connection to rank 0's server
// and, on rank 0, the server itself. Its methods may be called from several
// goroutines at once.
type Session struct {
	cfg  Config
	conn net.Conn
	srv  *server // rank 0 only

	writeMu sync.Mutex // one frame at a time on conn

	mu           sync.Mutex
	pending      map[uint64]pendingReq // requests awaiting the server's answer
	nextReq      uint64
	seqs         map[string]uint64 // calls made per group
	broken       *errcode.Error    // set once collectives can no longer succeed
	serverGone   bool              // the connection to rank 0 ended
	shutdownSeen bool              // rank 0 said it is closing: its drop is no loss
	closed       bool
	lost         map[int]bool // ranks already reported to OnPeerLost
	exitSeen     bool

	readerDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// pendingReq is a request in flight. Control requests (exit, leave) survive
// the loss of a rank other than 0; collectives do not.
type pendingReq struct {
	ch         chan reply
	collective bool
}

// reply is the server's answer to one request.
type reply struct {
	err              error
	ranks            []int    // GatherDone
	data             [][]byte // GatherDone, parallel to ranks
	delivered, total int      // ExitSent
}

// Join meets the other ranks: rank 0 starts serving at cfg.Addr, every rank
// (rank 0 too) connects to it, retrying until JoinTimeout, and Join returns
// once all Size ranks arrived. ctx bounds only the join. On failure nothing
// is left behind: no goroutine, no socket, no listener.
func Join(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(cfg.joinTimeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var srv *server
	addr, clientDeadline, clientCtx := cfg.Addr, deadline, ctx
	if cfg.Rank == 0 {
		// Rank 0's own client gives up as soon as its server's join failed.
		var cancel context.CancelFunc
		clientCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		var err error
		if srv, err = listen(&cfg, deadline, cancel); err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { srv.failJoinFromContext(ctx) })
		defer stop()
		addr, clientDeadline = srv.dialAddr(cfg.Addr), deadline.Add(rank0HandshakeGrace)
	}
	conn, r, err := connect(clientCtx, &cfg, addr, clientDeadline)
	if err != nil {
		if srv != nil {
			if ctx.Err() != nil {
				srv.failJoinFromContext(ctx)
			}
			if joinErr := srv.joinError(); joinErr != nil {
				err = joinErr // the server's account names the missing ranks
			}
			srv.shutdown()
		}
		return nil, err
	}
	s := &Session{
		cfg:        cfg,
		conn:       conn,
		srv:        srv,
		pending:    make(map[uint64]pendingReq),
		seqs:       make(map[string]uint64),
		lost:       make(map[int]bool),
		readerDone: make(chan struct{}),
	}
	go s.readLoop(r)
	return s, nil
}

// Rank is this PE's world rank.
func (s *Session) Rank() int { return s.cfg.Rank }

// Size is the number of PEs in the job.
func (s *Session) Size() int { return s.cfg.Size }

// send writes one frame to rank 0's server.
func (s *Session) send(frame []byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := s.conn.Write(frame); err != nil {
		return bootstrapErr("PE %d could not reach PE 0: %v", s.cfg.Rank, err)
	}
	return nil
}

// registerLocked allocates a request id and the channel its reply arrives on.
func (s *Session) registerLocked(collective bool) (uint64, chan reply) {
	s.nextReq++
	ch := make(chan reply, 1)
	s.pending[s.nextReq] = pendingReq{ch: ch, collective: collective}
	return s.nextReq, ch
}

func (s *Session) unregister(req uint64) {
	s.mu.Lock()
	delete(s.pending, req)
	s.mu.Unlock()
}

func (s *Session) deliver(req uint64, r reply) {
	s.mu.Lock()
	p, ok := s.pending[req]
	delete(s.pending, req)
	s.mu.Unlock()
	if ok {
		p.ch <- r
	}
}

// failLocked answers the pending collectives, and the control requests too
// when withControl, with err.
func (s *Session) failLocked(err error, withControl bool) {
	for req, p := range s.pending {
		if p.collective || withControl {
			p.ch <- reply{err: err}
			delete(s.pending, req)
		}
	}
}

// readLoop is the session's only long-lived goroutine on every rank: it
// routes the server's frames until the connection ends.
func (s *Session) readLoop(r *bufio.Reader) {
	defer close(s.readerDone)
	for {
		kind, payload, err := readFrame(r, maxFrameLen)
		if err == nil {
			err = s.dispatch(kind, payload)
		}
		if err != nil {
			s.connEnded(err)
			s.conn.Close()
			return
		}
	}
}

func (s *Session) dispatch(kind msgKind, payload []byte) error {
	switch kind {
	case kindGatherDone:
		m, err := decodeGatherDone(payload)
		if err != nil {
			return err
		}
		s.deliver(m.req, reply{ranks: m.ranks, data: m.data})
	case kindGatherFail:
		m, err := decodeFail(payload)
		if err != nil {
			return err
		}
		s.deliver(m.req, reply{err: errcode.New(codeFromWire(m.code), "%s", m.msg)})
	case kindExitSent:
		m, err := decodeExitSent(payload)
		if err != nil {
			return err
		}
		s.deliver(m.req, reply{delivered: m.delivered, total: m.total})
	case kindLeaveAck:
		req, err := decodeReq(payload)
		if err != nil {
			return err
		}
		s.deliver(req, reply{})
	case kindExitNotice:
		m, err := decodeExitNotice(payload)
		if err != nil {
			return err
		}
		s.globalExitNotice(m.status)
	case kindPeerLost:
		rank, err := decodeRank(payload)
		if err != nil {
			return err
		}
		s.peerLost(rank, bootstrapErr("PE %d of %d was lost: its connection dropped without finalize", rank, s.cfg.Size))
	case kindShutdown:
		s.mu.Lock()
		s.shutdownSeen = true
		if s.broken == nil {
			s.broken = bootstrapErr("PE 0 has finalized: the job's rendezvous is closed")
		}
		s.failLocked(s.broken, true)
		s.mu.Unlock()
	default:
		return fmt.Errorf("unexpected message kind %d from PE 0", kind)
	}
	return nil
}

// connEnded handles the end of the connection to rank 0: expected while
// closing or after the server's Shutdown, the loss of rank 0 otherwise.
func (s *Session) connEnded(cause error) {
	s.mu.Lock()
	s.serverGone = true
	if s.closed || s.shutdownSeen {
		err := s.broken
		if s.closed || err == nil {
			err = errSessionClosed(s.cfg.Rank)
		}
		s.failLocked(err, true)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.peerLost(0, bootstrapErr("PE 0 of %d was lost: the connection to the rendezvous server dropped (%v)", s.cfg.Size, cause))
}

// peerLost records a lost rank: collectives fail from now on, OnPeerLost runs
// once for it.
func (s *Session) peerLost(rank int, err *errcode.Error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.broken == nil {
		s.broken = err
	}
	s.failLocked(err, s.serverGone)
	first := !s.lost[rank]
	s.lost[rank] = true
	callback := s.cfg.OnPeerLost
	s.mu.Unlock()
	if first && callback != nil {
		go callback(rank)
	}
}
