package bootstrap

import "time"

// GlobalExit asks rank 0's server to tell every other rank, whose
// OnGlobalExit(status) then runs. It returns once the notices are written to
// every rank's connection, within about exitDeliveryBound; the caller's own
// OnGlobalExit does not run. Ending the process is the caller's business,
// with the status returned: the first GlobalExit's when several PEs call it
// at once (status itself when PE 0 cannot be asked).
func (s *Session) GlobalExit(status int) (int, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return status, errSessionClosed(s.cfg.Rank)
	}
	if s.serverGone {
		err := s.broken
		s.mu.Unlock()
		if err == nil {
			err = bootstrapErr("PE %d has no connection to PE 0", s.cfg.Rank)
		}
		return status, err
	}
	req, ch := s.registerLocked(false)
	s.mu.Unlock()

	if err := s.send(exitMsg{req: req, status: status}.encodeRequest()); err != nil {
		s.unregister(req)
		return status, err
	}
	t := time.NewTimer(exitDeliveryBound + exitReplyGrace)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			return status, r.err
		}
		if r.delivered < r.total {
			return r.status, timeoutErr("global exit (status %d) reached %d of %d other PEs within %s",
				r.status, r.delivered, r.total, formatDuration(exitDeliveryBound))
		}
		return r.status, nil
	case <-t.C:
		s.unregister(req)
		return status, timeoutErr("PE 0 did not confirm the delivery of global exit (status %d) within %s",
			status, formatDuration(exitDeliveryBound+exitReplyGrace))
	}
}

// globalExitNotice runs OnGlobalExit once, on its own goroutine: the reader
// must keep routing frames, and a rank blocked in a collective must not delay
// the callback.
func (s *Session) globalExitNotice(status int) {
	s.mu.Lock()
	if s.closed || s.exitSeen {
		s.mu.Unlock()
		return
	}
	s.exitSeen = true
	callback := s.cfg.OnGlobalExit
	s.mu.Unlock()
	if callback != nil {
		go callback(status)
	}
}
