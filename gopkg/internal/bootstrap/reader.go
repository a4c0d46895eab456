package bootstrap

import (
	"bufio"
	"fmt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

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
		s.deliver(m.req, reply{delivered: m.delivered, total: m.total, status: m.status})
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
		if rank >= s.cfg.Size {
			return fmt.Errorf("PE 0 reported the loss of PE %d in a job of %d", rank, s.cfg.Size)
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
