package bootstrap

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

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
	if graceful {
		// Connections still in their handshake are the next run's PEs: tell
		// them to come back, lest they take the silence for PE 0's death.
		busy := rejectMsg{code: errcode.BootstrapError, verdict: verdictRetry,
			msg: bootstrapErr("PE 0 at %s is closing the previous run of job %s", s.addr, jobName(s.jobID)).Msg}.encode()
		for p := range s.conns {
			if p.rank < 0 {
				p.q.push(frameOf(busy))
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
