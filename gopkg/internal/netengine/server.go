package netengine

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime/debug"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// serverConn applies the requests of one authenticated client to this PE's
// heap, in the order they arrive, and answers them in that order.
type serverConn struct {
	e    *Engine
	conn net.Conn
	pe   int // the client's rank
	br   *bufio.Reader
	bw   *bufio.Writer

	reqBuf  [requestHeaderLen]byte
	respBuf [responseHeaderLen]byte
	iov     [2][]byte
	bufs    net.Buffers

	// The operation whose frames are arriving and its first error: the
	// frames of one put are consecutive, and only its final frame is
	// answered (doc.go, "Requests").
	curID  uint64
	curErr error
}

func newServerConn(e *Engine, conn net.Conn, pe int) *serverConn {
	return &serverConn{
		e: e, conn: conn, pe: pe,
		br: bufio.NewReaderSize(conn, ioBufferSize),
		bw: bufio.NewWriterSize(conn, ioBufferSize),
	}
}

// serve handles frames until the connection ends or the client breaks the
// protocol. A fault while touching the heap (its mapping gone bad) ends the
// connection rather than the process.
func (s *serverConn) serve() (err error) {
	debug.SetPanicOnFault(true)
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			err = fmt.Errorf("memory fault while serving: %v", r)
		}
	}()
	var r request
	for {
		// Answers are buffered while more requests are already here, and
		// sent before waiting for the next one.
		if s.br.Buffered() == 0 {
			if err := s.bw.Flush(); err != nil {
				return err
			}
		}
		if _, err := io.ReadFull(s.br, s.reqBuf[:]); err != nil {
			return err
		}
		r.decode(s.reqBuf[:])
		if err := s.handle(&r); err != nil {
			return err
		}
	}
}

// handle applies one frame. Errors of the operation are answered; only a
// broken connection or a broken protocol is returned.
func (s *serverConn) handle(r *request) error {
	switch r.op {
	case opPut:
		return s.put(r)
	case opGet:
		return s.get(r)
	case opAtomic:
		old, err := s.atomic(r)
		if err != nil {
			return s.answerError(r.id, flagFinal, err)
		}
		return s.answer(&response{status: statusOK, flags: flagFinal, id: r.id, value: old})
	case opFlush:
		return s.answer(&response{status: statusOK, flags: flagFinal, id: r.id})
	}
	return fmt.Errorf("PE %d sent unknown operation %d", s.pe, r.op)
}

// put reads the frame's payload straight into the heap (or discards it when
// the range is bad) and answers the final frame.
func (s *serverConn) put(r *request) error {
	if r.len > maxFrameLen {
		return fmt.Errorf("PE %d sent a put frame of %d bytes (limit %d)", s.pe, r.len, maxFrameLen)
	}
	if r.id != s.curID {
		s.curID, s.curErr = r.id, nil
	}
	n := uintptr(r.len)
	if err := s.checkRange(r.off, r.len); err != nil {
		if _, err := s.br.Discard(int(n)); err != nil {
			return err
		}
		if s.curErr == nil {
			s.curErr = err
		}
	} else if n > 0 {
		if _, err := io.ReadFull(s.br, bytesAt(s.e.cfg.HeapBase+uintptr(r.off), n)); err != nil {
			return err
		}
	}
	if r.flags&flagFinal == 0 {
		return nil
	}
	if r.flags&flagSignal != 0 && s.curErr == nil {
		s.curErr = s.signal(r) // wakes this PE's sleepers, who then see the data too
	} else if s.curErr == nil {
		// The put's last byte is in the heap: wake this PE's sleepers (one
		// load of the sleeper count when nobody sleeps).
		signal.WakeStores(s.e.cfg.WakeBlock)
	}
	if s.curErr != nil {
		return s.answerError(r.id, flagFinal, s.curErr)
	}
	if r.flags&flagAck != 0 {
		return s.answer(&response{status: statusOK, flags: flagFinal, id: r.id})
	}
	return nil
}

// get answers with the asked range of the heap, written to the socket
// straight from the heap.
func (s *serverConn) get(r *request) error {
	if r.len > maxFrameLen {
		return fmt.Errorf("PE %d asked for %d bytes in one frame (limit %d)", s.pe, r.len, maxFrameLen)
	}
	final := r.flags & flagFinal
	if err := s.checkRange(r.off, r.len); err != nil {
		return s.answerError(r.id, final, err)
	}
	resp := response{status: statusOK, flags: final, id: r.id, off: r.off, len: r.len}
	resp.encode(s.respBuf[:])
	return writeFrame(s.bw, s.conn, &s.iov, &s.bufs, s.respBuf[:], s.e.cfg.HeapBase+uintptr(r.off), uintptr(r.len))
}

func (s *serverConn) answer(resp *response) error {
	resp.encode(s.respBuf[:])
	_, err := s.bw.Write(s.respBuf[:])
	return err
}

// answerError sends err's code and message.
func (s *serverConn) answerError(id uint64, flags uint8, err error) error {
	msg := err.Error()
	if e, ok := err.(*errcode.Error); ok {
		msg = e.Msg
	}
	if len(msg) > maxErrorTextLen {
		msg = msg[:maxErrorTextLen]
	}
	resp := response{status: statusError, flags: flags, code: int32(errcode.CodeOf(err)), id: id, len: uint64(len(msg))}
	if err := s.answer(&resp); err != nil {
		return err
	}
	_, werr := s.bw.WriteString(msg)
	return werr
}
