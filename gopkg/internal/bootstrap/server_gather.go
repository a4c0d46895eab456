package bootstrap

import (
	"slices"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// gatherKey matches the calls of one collective: every member counts its own
// calls per group, so the n-th call on a group meets the others' n-th call.
type gatherKey struct {
	group string
	seq   uint64
}

// gatherEntry collects one collective until every member arrived.
type gatherEntry struct {
	op      opKind
	members []int // sorted
	first   int   // the rank whose call created the entry, for mismatch messages
	reqs    map[int]uint64
	data    map[int][]byte
}

func (e *gatherEntry) isMember(rank int) bool {
	_, ok := slices.BinarySearch(e.members, rank)
	return ok
}

func (e *gatherEntry) arrived(rank int) bool {
	_, ok := e.reqs[rank]
	return ok
}

func (e *gatherEntry) missing() []int {
	var out []int
	for _, r := range e.members {
		if !e.arrived(r) {
			out = append(out, r)
		}
	}
	return out
}

// tomb remembers a failed collective for the members that have not called it
// yet, so they fail at once instead of waiting for partners that gave up.
type tomb struct {
	err     *errcode.Error
	waiting map[int]bool
}

func (s *server) gather(p *peer, m gatherMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := gatherKey{m.group, m.seq}
	if s.lostErr != nil {
		s.failReqLocked(p, m.req, s.lostErr)
		return
	}
	if err := s.checkMembers(p.rank, m); err != nil {
		s.failReqLocked(p, m.req, err)
		return
	}
	if t := s.tombs[key]; t != nil {
		s.failReqLocked(p, m.req, t.err)
		s.tombVisitedLocked(key, p.rank)
		return
	}
	e := s.gathers[key]
	if e == nil {
		e = &gatherEntry{op: m.op, members: m.members, first: p.rank,
			reqs: make(map[int]uint64, len(m.members)), data: make(map[int][]byte, len(m.members))}
		s.gathers[key] = e
		for _, r := range m.members {
			if s.peers[r].left {
				e.reqs[p.rank], e.data[p.rank] = m.req, m.data
				s.failEntryLocked(key, e, bootstrapErr("%s on group %q (call %d) includes PE %d, which has already left (finalized)",
					m.op, m.group, m.seq, r))
				return
			}
		}
	} else if e.op != m.op || !slices.Equal(e.members, m.members) {
		err := s.mismatch(key, e, p.rank, m)
		s.failReqLocked(p, m.req, err)
		// Whoever either side counts on learns of the mismatch when it comes.
		e.members = slices.Compact(sortedCopy(append(slices.Clone(e.members), m.members...)))
		s.failEntryLocked(key, e, err)
		s.tombVisitedLocked(key, p.rank)
		return
	} else if e.arrived(p.rank) {
		s.failReqLocked(p, m.req, bootstrapErr("PE %d entered %s on group %q (call %d) twice", p.rank, m.op, m.group, m.seq))
		return
	}
	e.reqs[p.rank], e.data[p.rank] = m.req, m.data
	if len(e.reqs) == len(e.members) {
		s.completeLocked(key, e)
	}
}

// checkMembers re-validates what a client sent: sorted, distinct, in range,
// and including the sender. Our client guarantees it; a foreign one might not.
func (s *server) checkMembers(rank int, m gatherMsg) *errcode.Error {
	if m.op != opAllgather && m.op != opBarrier {
		return bootstrapErr("unknown collective kind %d from PE %d", m.op, rank)
	}
	if len(m.members) == 0 || !slices.IsSorted(m.members) {
		return bootstrapErr("PE %d sent an empty or unsorted member list", rank)
	}
	for i, r := range m.members {
		if r < 0 || r >= s.size || (i > 0 && m.members[i-1] == r) {
			return bootstrapErr("PE %d sent an invalid member list %v", rank, m.members)
		}
	}
	if _, ok := slices.BinarySearch(m.members, rank); !ok {
		return bootstrapErr("PE %d is not among the members %v it sent", rank, m.members)
	}
	return nil
}

func (s *server) mismatch(key gatherKey, e *gatherEntry, rank int, m gatherMsg) *errcode.Error {
	return bootstrapErr("PE %d called %s on group %q (call %d) with members %v, PE %d called %s with members %v",
		rank, m.op, key.group, key.seq, m.members, e.first, e.op, e.members)
}

// completeLocked sends every member the whole result: one shared body, a
// small head per member.
func (s *server) completeLocked(key gatherKey, e *gatherEntry) {
	body := gatherResultBody(e.members, e.data)
	if 1+8+len(body) > maxFrameLen {
		s.failEntryLocked(key, e, bootstrapErr("%s on group %q (call %d): the result of %d bytes exceeds the %d-byte frame limit",
			e.op, key.group, key.seq, len(body), maxFrameLen))
		return
	}
	delete(s.gathers, key)
	for _, r := range e.members {
		s.peers[r].q.push(outFrame{parts: [][]byte{gatherDoneHead(e.reqs[r], len(body)), body}})
	}
}

// failEntryLocked fails a pending collective for the members that arrived and
// leaves a tomb for the ones that did not.
func (s *server) failEntryLocked(key gatherKey, e *gatherEntry, err *errcode.Error) {
	delete(s.gathers, key)
	for r, req := range e.reqs {
		s.failReqLocked(s.peers[r], req, err)
	}
	if missing := e.missing(); len(missing) > 0 && s.lostErr == nil {
		t := &tomb{err: err, waiting: make(map[int]bool, len(missing))}
		for _, r := range missing {
			if q := s.peers[r]; !q.left && !q.lost { // the departed will never ask
				t.waiting[r] = true
			}
		}
		if len(t.waiting) > 0 {
			s.tombs[key] = t
		}
	}
}

// tombVisitedLocked drops a rank from a tomb's waiting list, and the tomb
// once nobody is left to tell.
func (s *server) tombVisitedLocked(key gatherKey, rank int) {
	t := s.tombs[key]
	if t == nil {
		return
	}
	delete(t.waiting, rank)
	if len(t.waiting) == 0 {
		delete(s.tombs, key)
	}
}

func (s *server) failReqLocked(p *peer, req uint64, err *errcode.Error) {
	p.q.push(frameOf(failMsg{req: req, code: err.Code, msg: err.Msg}.encode()))
}

// abandon ends a collective a member stopped waiting for (its OpTimeout
// passed), naming who never came. A collective that completed meanwhile is
// left alone: its result is already on the way.
func (s *server) abandon(p *peer, m abandonMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := gatherKey{m.group, m.seq}
	e := s.gathers[key]
	if e == nil || !e.arrived(p.rank) || e.reqs[p.rank] != m.req {
		return
	}
	s.failEntryLocked(key, e, timeoutErr("%s on group %q (call %d) timed out after %s on PE %d: %s never entered",
		e.op, key.group, key.seq, formatDuration(m.timeout), p.rank, formatPEs(e.missing())))
}
