package bootstrap

import (
	"bufio"
	"fmt"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// serve is the reader goroutine of one accepted connection: the Hello, then
// requests until the connection ends.
func (s *server) serve(p *peer) {
	defer s.wg.Done()
	defer p.q.drain() // whatever is queued still goes out, then the writer closes
	r := bufio.NewReader(p.conn)

	s.mu.Lock()
	helloBy := time.Now().Add(helloIdleTimeout)
	if s.phase == phaseJoining {
		helloBy = s.joinAt
	}
	s.mu.Unlock()
	_ = p.conn.SetReadDeadline(helloBy)
	kind, payload, err := readFrame(r, maxHandshakeFrameLen) // a TLS handshake happens inside
	if err != nil || kind != kindKnock {
		s.forget(p)
		return
	}
	magic, version, err := decodeKnock(payload)
	if err != nil || magic != protocolMagic {
		s.forget(p) // not one of ours: a port scanner, a health check
		return
	}
	if version != protocolVersion {
		p.q.push(frameOf(rejectMsg{code: errcode.BootstrapError,
			msg: fmt.Sprintf("a PE speaks bootstrap protocol v%d, PE 0 speaks v%d: mixed shmem versions", version, protocolVersion)}.encode()))
		s.forget(p)
		return
	}
	p.challenge = newNonce()
	p.q.push(frameOf(challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: p.challenge, jobID: s.jobID}.encode()))
	kind, payload, err = readFrame(r, maxHandshakeFrameLen)
	if err != nil || kind != kindHello {
		s.forget(p)
		return
	}
	h, err := decodeHello(payload)
	if err != nil || h.magic != protocolMagic || h.version != protocolVersion {
		s.forget(p)
		return
	}
	s.mu.Lock()
	admitted := s.admitLocked(p, h)
	s.mu.Unlock()
	if !admitted {
		s.forget(p)
		return
	}
	_ = p.conn.SetReadDeadline(time.Time{})

	for {
		kind, payload, err := readFrame(r, maxFrameLen)
		if err == nil {
			err = s.handle(p, kind, payload)
		}
		if err != nil {
			s.connEnded(p, err)
			return
		}
	}
}

func (s *server) forget(p *peer) {
	s.mu.Lock()
	delete(s.conns, p)
	s.mu.Unlock()
}

func (s *server) handle(p *peer, kind msgKind, payload []byte) error {
	s.mu.Lock()
	phase := s.phase
	if phase == phaseJoining && kind == kindLeave {
		p.gaveUp = true
	}
	s.mu.Unlock()
	switch phase {
	case phaseJoining:
		return fmt.Errorf("message kind %d before every PE joined", kind)
	case phaseFailed, phaseClosing:
		return nil // the connection is on its way out
	}
	switch kind {
	case kindGather:
		m, err := decodeGather(payload)
		if err != nil {
			return err
		}
		s.gather(p, m)
	case kindAbandon:
		m, err := decodeAbandon(payload)
		if err != nil {
			return err
		}
		s.abandon(p, m)
	case kindExit:
		m, err := decodeExitRequest(payload)
		if err != nil {
			return err
		}
		s.exit(p, m)
	case kindLeave:
		req, err := decodeReq(payload)
		if err != nil {
			return err
		}
		s.leave(p, req)
	default:
		return fmt.Errorf("unexpected message kind %d", kind)
	}
	return nil
}

// connEnded handles the end of a joined rank's connection: expected after
// its Leave, a loss otherwise.
func (s *server) connEnded(p *peer, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, p)
	switch {
	case s.phase == phaseJoining && p.gaveUp:
		// It gave up (its own deadline or context): it may come back before
		// the deadline, else the timeout names it.
		s.peers[p.rank] = nil
		s.gaveUp[p.rank] = true
	case s.phase == phaseJoining:
		// Died while waiting for the others: the job cannot start, and the
		// ones present need not wait for the join timeout to learn it.
		s.failJoinLocked(bootstrapErr("PE %d of %d died during init: its connection to the rendezvous dropped before every PE arrived",
			p.rank, s.size))
	case s.phase != phaseRunning || p.left || p.lost:
	default:
		s.peerLostLocked(p)
	}
}

// peerLostLocked makes a rank's disappearance known to every other rank and
// fails every collective, pending or later: the job cannot go on without it.
func (s *server) peerLostLocked(p *peer) {
	p.lost = true
	err := bootstrapErr("PE %d of %d was lost: its connection dropped without finalize", p.rank, s.size)
	if s.lostErr == nil {
		s.lostErr = err
	}
	notice := encodeRank(kindPeerLost, p.rank)
	for _, q := range s.peers {
		if q != nil && q != p && !q.left && !q.lost {
			q.q.push(frameOf(notice))
		}
	}
	for key, e := range s.gathers {
		s.failEntryLocked(key, e, err)
	}
	s.departLocked(p.rank)
}

func (s *server) leave(p *peer, req uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.left {
		return
	}
	p.left = true
	err := bootstrapErr("PE %d has already left (finalized)", p.rank)
	for key, e := range s.gathers {
		if e.isMember(p.rank) && !e.arrived(p.rank) {
			s.failEntryLocked(key, e, err)
		}
	}
	p.q.push(frameOf(encodeReq(kindLeaveAck, req)))
	s.departLocked(p.rank)
}

// exitState is the job's first GlobalExit. A later one, even with another
// status, only waits for the first one's notices to go out and learns its
// status: every PE ends with the status of the first.
type exitState struct {
	status           int
	done             chan struct{} // closed once the notices are written or exitDeliveryBound passed
	delivered, total int           // set before done closes
}

// exit forwards a GlobalExit to every other rank still present and, once the
// notices are written (or exitDeliveryBound passed), tells the caller how
// many went out and the status that won.
func (s *server) exit(p *peer, m exitMsg) {
	s.mu.Lock()
	if st := s.exitSt; st != nil {
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			reply := exitSentMsg{req: m.req, status: st.status}
			select {
			case <-st.done:
				reply.delivered, reply.total = st.delivered, st.total
			case <-s.closing:
			}
			p.q.push(frameOf(reply.encode()))
		}()
		return
	}
	st := &exitState{status: m.status, done: make(chan struct{})}
	s.exitSt = st
	notice := exitMsg{status: m.status, from: p.rank}.encodeNotice()
	var sent []chan struct{}
	for _, q := range s.peers {
		if q == nil || q == p || q.left || q.lost {
			continue
		}
		ch := make(chan struct{})
		if q.q.push(outFrame{parts: [][]byte{notice}, sent: ch}) {
			sent = append(sent, ch)
		}
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		bound := time.NewTimer(exitDeliveryBound)
		defer bound.Stop()
		delivered := 0
	wait:
		for _, ch := range sent {
			select {
			case <-ch:
				delivered++
			case <-bound.C:
				break wait
			case <-s.closing:
				break wait
			}
		}
		st.delivered, st.total = delivered, len(sent)
		close(st.done)
		p.q.push(frameOf(exitSentMsg{req: m.req, delivered: delivered, total: len(sent), status: m.status}.encode()))
	}()
}
