package bootstrap

import (
	"net"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Session is one PE's membership in a job: its connection to rank 0's server
// and, on rank 0, the server itself. Its methods may be called from several
// goroutines at once.
type Session struct {
	cfg  Config
	conn net.Conn
	srv  *server // rank 0 only

	jobNonce []byte // from the Welcome

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
	status           int      // ExitSent: the status every PE ends with
}

// Rank is this PE's world rank.
func (s *Session) Rank() int { return s.cfg.Rank }

// DataSecret is the secret the job's data connections prove, derived from
// the job key, so that no frame carries it; nil when the job has no key
// (the caller then distributes one of its own over the rendezvous).
func (s *Session) DataSecret() []byte {
	if len(s.cfg.JobKey) == 0 {
		return nil
	}
	return dataSecret(s.cfg.JobKey, s.jobNonce)
}

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

// LocalHost is the address of this PE's end of its connection to rank 0:
// the interface through which the job's other hosts can reach this one.
func (s *Session) LocalHost() string {
	if a, ok := s.conn.LocalAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, _ := net.SplitHostPort(s.conn.LocalAddr().String())
	return host
}
