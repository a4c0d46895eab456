package bootstrap

import (
	"time"
)

// Close leaves the job gracefully: the server learns that this rank's
// disconnect is no loss. On rank 0 it then waits (OpTimeout, or 5 s when 0)
// until every other rank has left, and closes the listener and every
// connection. Pending collectives fail. When Close returns, every goroutine,
// socket and the listening port of the session are released (callbacks
// already started run on). Later calls return the first call's result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close(true) })
	return s.closeErr
}

// abort drops the session the way a crash would: no leave, no goodbye from
// the server. The other ranks see this rank as lost.
func (s *Session) abort() {
	s.closeOnce.Do(func() { s.closeErr = s.close(false) })
}

// afterLossLeaveTimeout bounds rank 0's wait for the others to leave once a
// rank was lost: the survivors are finalizing and leave at once, but a rank
// whose host vanished unnoticed would hold finalize until TCP gives up.
const afterLossLeaveTimeout = 2 * time.Second

func (s *Session) close(graceful bool) error {
	bound := s.cfg.leaveTimeout()
	s.mu.Lock()
	if len(s.lost) > 0 {
		bound = min(bound, afterLossLeaveTimeout)
	}
	s.closed = true
	s.failLocked(errSessionClosed(s.cfg.Rank), true)
	canLeave := graceful && !s.serverGone && !s.shutdownSeen
	req, ch := s.registerLocked(false)
	s.mu.Unlock()

	var err error
	if canLeave {
		err = s.leave(req, ch, bound)
	}
	s.unregister(req)
	if s.srv != nil {
		if graceful {
			if waitErr := s.srv.waitOthersOut(bound); waitErr != nil && err == nil {
				err = waitErr
			}
			s.srv.shutdown()
		} else {
			s.srv.abort()
		}
	}
	s.conn.Close()
	<-s.readerDone
	return err
}

func (s *Session) leave(req uint64, ch chan reply, bound time.Duration) error {
	if err := s.send(encodeReq(kindLeave, req)); err != nil {
		return err
	}
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.err
	case <-t.C:
		return timeoutErr("PE 0 did not acknowledge the leave of PE %d within %s", s.cfg.Rank, formatDuration(bound))
	}
}
