package bootstrap

import (
	"context"
	"crypto/hmac"
	"errors"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// admitLocked decides on a Hello. It returns false when the connection is
// to be dropped (after any Reject queued for it). A Hello that cannot be
// admitted is refused alone: whoever sent it, the job goes on.
func (s *server) admitLocked(p *peer, h helloMsg) bool {
	refuse := func(v verdict, err *errcode.Error) bool {
		p.q.push(frameOf(rejectMsg{code: err.Code, verdict: v, msg: err.Msg}.encode()))
		return false
	}
	if h.jobID != s.jobID {
		return refuse(verdictForeign, bootstrapErr("PE %d of job %s reached the rendezvous of another job, %s, at %s: "+
			"two jobs use one address; give each job its own (SHMEM_IP_PORT, MASTER_PORT)",
			h.rank, jobName(h.jobID), jobName(s.jobID), s.addr))
	}
	if !hmac.Equal(h.mac, helloMAC(s.authKey, p.challenge, h.nonce, h.rank, h.size, h.jobID)) {
		return refuse(verdictFinal, bootstrapErr("a process claiming PE %d could not prove that it belongs to job %s "+
			"(it does not know the job key, SHMEM_JOB_KEY): refused", h.rank, jobName(s.jobID)))
	}
	switch s.phase {
	case phaseRunning:
		// Most likely the next run of the same job's ranks, started while this
		// one is finalizing: the client retries until this server is gone.
		return refuse(verdictRetry, bootstrapErr("PE 0 at %s still runs a job whose %d PEs have all joined (PE %d of %d came late, or twice)",
			s.addr, s.size, h.rank, h.size))
	case phaseClosing:
		return refuse(verdictRetry, bootstrapErr("PE 0 at %s is closing the previous run of job %s", s.addr, jobName(s.jobID)))
	case phaseFailed:
		return refuse(verdictFinal, s.joinErr)
	}
	switch {
	case h.size != s.size:
		return refuse(verdictFinal, bootstrapErr("PE %d says the job has %d PEs, PE 0 says %d: refused, the job goes on without it",
			h.rank, h.size, s.size))
	case h.rank < 0 || h.rank >= s.size:
		return refuse(verdictFinal, bootstrapErr("rank %d is out of range for size %d: refused, the job goes on without it", h.rank, s.size))
	case s.peers[h.rank] != nil:
		return refuse(verdictFinal, bootstrapErr("PE %d of job %s is already present: a second process claiming it was refused",
			h.rank, jobName(s.jobID)))
	}
	p.rank, p.clientNonce = h.rank, h.nonce
	s.peers[h.rank] = p
	for _, q := range s.peers {
		if q == nil {
			return true
		}
	}
	s.phase = phaseRunning
	s.joinTimer.Stop()
	for _, q := range s.peers {
		mac := welcomeMAC(s.authKey, q.challenge, q.clientNonce, q.rank, s.size, s.jobNonce)
		q.q.push(frameOf(welcomeMsg{size: s.size, jobNonce: s.jobNonce, mac: mac}.encode()))
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
		p.q.push(frameOf(reject)) // the ones still in their handshake too: they answer the challenge, then read it
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
