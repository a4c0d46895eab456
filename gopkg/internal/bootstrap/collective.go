package bootstrap

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// Allgather exchanges data among members (world ranks; nil means every
// rank). Every member calls it with the same group and the same set of
// members; the n-th call of each member on a group meets the n-th call of the
// others. The result holds each member's data in the order members was
// given here.
func (s *Session) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	return s.collective(opAllgather, group, members, data)
}

// Barrier returns once every member (nil: every rank) has called it; matched
// like Allgather.
func (s *Session) Barrier(group string, members []int) error {
	_, err := s.collective(opBarrier, group, members, nil)
	return err
}

func (s *Session) collective(op opKind, group string, members []int, data []byte) ([][]byte, error) {
	order, err := s.memberOrder(op, group, members)
	if err != nil {
		return nil, err
	}
	if len(data) > maxFrameLen/2 {
		return nil, bootstrapErr("%s on group %q: %d bytes exceed the limit of %d", op, group, len(data), maxFrameLen/2)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errSessionClosed(s.cfg.Rank)
	}
	if s.broken != nil {
		s.mu.Unlock()
		return nil, s.broken
	}
	seq := s.seqs[group]
	s.seqs[group] = seq + 1
	req, ch := s.registerLocked(true)
	s.mu.Unlock()

	msg := gatherMsg{req: req, op: op, seq: seq, group: group, members: sortedCopy(order), data: data}
	if err := s.send(msg.encode()); err != nil {
		s.unregister(req)
		return nil, err
	}
	r := s.await(req, ch, msg)
	if r.err != nil {
		return nil, r.err
	}
	if op == opBarrier {
		return nil, nil
	}
	byRank := make(map[int][]byte, len(r.ranks))
	for i, rank := range r.ranks {
		byRank[rank] = r.data[i]
	}
	out := make([][]byte, len(order))
	for i, rank := range order {
		d, ok := byRank[rank]
		if !ok {
			return nil, bootstrapErr("%s on group %q (call %d): PE 0's result lacks PE %d", op, group, seq, rank)
		}
		out[i] = d
	}
	return out, nil
}

// await waits for the server's answer, bounded by OpTimeout. On timeout it
// asks the server to end the collective for every member, and briefly waits
// for the server's verdict, which names the members that never came (or is
// the result, if the last member arrived meanwhile).
//
// Ctrl-C (package interrupt) ends the wait the same way, so that the other
// members hear of it instead of waiting out the timeout; the reply is then
// an Interrupted error.
func (s *Session) await(req uint64, ch chan reply, m gatherMsg) reply {
	select {
	case r := <-ch: // answered already: no timer
		return r
	default:
	}
	mark := interrupt.Now()
	var expired <-chan time.Time
	if s.cfg.OpTimeout > 0 {
		t := time.NewTimer(s.cfg.OpTimeout)
		defer t.Stop()
		expired = t.C
	}
	interrupted := false
	select {
	case r := <-ch:
		return r
	case <-expired:
	case <-mark.Done():
		interrupted = true
	}
	r := s.abandon(req, ch, m)
	if interrupted && r.err != nil {
		r.err = interrupt.Err()
	}
	return r
}

// abandon asks the server to end the collective for every member and
// briefly waits for its verdict.
func (s *Session) abandon(req uint64, ch chan reply, m gatherMsg) reply {
	abandon := abandonMsg{req: req, op: m.op, seq: m.seq, group: m.group, timeout: s.cfg.OpTimeout}
	if s.send(abandon.encode()) == nil {
		grace := time.NewTimer(abandonGrace)
		defer grace.Stop()
		select {
		case r := <-ch:
			return r
		case <-grace.C:
		}
	}
	s.unregister(req)
	select {
	case r := <-ch: // delivered just before the unregister
		return r
	default:
	}
	return reply{err: timeoutErr("%s on group %q (call %d) timed out after %s on PE %d",
		m.op, m.group, m.seq, formatDuration(s.cfg.OpTimeout), s.cfg.Rank)}
}
