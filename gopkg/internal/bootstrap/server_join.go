package bootstrap

import (
	"context"
	"errors"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

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
	within := formatDuration(s.joinAt.Sub(s.started)) // the budget, not the timer's jitter
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
