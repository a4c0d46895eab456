package netengine

import (
	"errors"
	"io"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errWouldBlock is what a direct read returns when no data came within one
// wait slice. bufio keeps what it had buffered and passes the error on once,
// so the stream stays in step and the reader can look at its other duties
// (its own answer taken by the watchdog, Ctrl-C) before waiting again.
var errWouldBlock = errors.New("no data yet")

// directWaitMillis is one wait slice of a direct read: how late a caller
// reading for itself notices Ctrl-C, the operation timeout or Close.
const directWaitMillis = 20

// sockReader is what a peer's bufio.Reader reads from. The reader goroutine
// reads through the Go runtime's poller (direct false). A blocked caller that
// reads its own answer (direct true) reads the socket itself and, when there
// is nothing yet, sleeps in poll(2) on it: the kernel then wakes exactly the
// thread that waits, as for a blocking recv in C. Through the poller the
// answer would wake the poller's thread first, which would then have to wake
// the caller's, since a caller coming from Python is locked to its thread:
// two thread wake-ups per round trip instead of one, each tens of
// microseconds on an idle virtual machine.
type sockReader struct {
	conn   net.Conn
	rc     syscall.RawConn // nil when the stream cannot be read directly (TLS)
	direct bool            // owned by the holder of the peer's read role

	// A direct read's buffer and results, and the function that does it,
	// made once: a closure per read would be allocated.
	buf    []byte
	n      int
	err    error
	readFn func(fd uintptr) bool
}

func newSockReader(conn net.Conn) *sockReader {
	s := &sockReader{conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			s.rc = rc
		}
	}
	s.readFn = s.readFd
	return s
}

func (s *sockReader) Read(b []byte) (int, error) {
	if !s.direct {
		return s.conn.Read(b)
	}
	s.buf = b
	cerr := s.rc.Read(s.readFn)
	s.buf = nil
	if cerr != nil {
		return 0, cerr
	}
	return s.n, s.err
}

func (s *sockReader) readFd(fd uintptr) bool {
	s.n, s.err = readOrWait(int(fd), s.buf)
	return true
}

// readOrWait reads what is there, or waits at most one slice in poll(2) for
// something to read; errWouldBlock when nothing came.
func readOrWait(fd int, b []byte) (int, error) {
	for {
		n, err := recvNow(fd, b)
		switch {
		case err == nil && n == 0 && len(b) > 0:
			return 0, io.EOF
		case err == nil:
			return n, nil
		case err == unix.EINTR:
			continue
		case err != unix.EAGAIN:
			return 0, err
		}
		fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		ready, err := unix.Poll(fds[:], directWaitMillis)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return 0, err
		case ready == 0:
			return 0, errWouldBlock
		}
	}
}

// recvNow reads what the socket holds without waiting (MSG_DONTWAIT), also
// on a socket in blocking mode (fdConn).
func recvNow(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
