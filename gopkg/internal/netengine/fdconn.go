package netengine

import (
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdConn is a plain TCP connection to a peer taken out of Go's poller: a
// socket in blocking mode, read and written with plain system calls. In the
// poller, every answer that arrives would also wake the poller's thread
// (its epoll is edge-triggered on the socket), even while the caller that
// waits for it reads it itself (see sockReader): a second thread woken per
// round trip, on a busy machine a second thread competing for a CPU. And a
// write that finds the socket buffer full would wait there through the
// poller's thread too; a blocking write sleeps in the kernel until there is
// room, and the kernel wakes exactly the writer.
//
// Deadlines: the engine sets none on a connection in use, except the write
// watchdog, which puts the write deadline in the past to give the
// connection up; here that shuts the socket down, which ends a blocked
// write (and read) at once.
type fdConn struct {
	f      *os.File
	fd     int
	local  net.Addr
	remote net.Addr

	shutOnce sync.Once
}

// detachConn takes c's socket out of Go's poller: a duplicate of its
// descriptor in blocking mode, after which c is closed (Go unregisters it).
// Socket options (no delay, keepalive, user timeout) stay with the socket.
func detachConn(c *net.TCPConn) (*fdConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = unix.Dup(int(s)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	local, remote := c.LocalAddr(), c.RemoteAddr()
	_ = c.Close()
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, false); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	// Blocking: os.NewFile keeps it out of the poller.
	return &fdConn{f: os.NewFile(uintptr(fd), "netengine-peer"), fd: fd, local: local, remote: remote}, nil
}

func (c *fdConn) Read(b []byte) (int, error)  { return c.f.Read(b) }
func (c *fdConn) Write(b []byte) (int, error) { return c.f.Write(b) }

// writev writes every byte of bufs, with as few system calls as the kernel
// allows.
func (c *fdConn) writev(bufs [][]byte) error {
	for len(bufs) > 0 {
		var n int
		var err error
		rerr := c.rawWrite(func(fd uintptr) { n, err = unix.Writev(int(fd), bufs) })
		if rerr != nil {
			return rerr
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &net.OpError{Op: "writev", Net: "tcp", Source: c.local, Addr: c.remote, Err: os.NewSyscallError("writev", err)}
		}
		for n > 0 && len(bufs) > 0 {
			if n >= len(bufs[0]) {
				n -= len(bufs[0])
				bufs = bufs[1:]
				continue
			}
			bufs[0] = bufs[0][n:]
			n = 0
		}
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
	}
	return nil
}

// rawWrite runs f on the descriptor, which stays open meanwhile.
func (c *fdConn) rawWrite(f func(fd uintptr)) error {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Write(func(fd uintptr) bool { f(fd); return true })
}

// SyscallConn lets sockReader read the socket directly.
func (c *fdConn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

// shutdown ends every read and write blocked on the socket: a blocked
// system call does not return when another thread closes the descriptor.
func (c *fdConn) shutdown() {
	c.shutOnce.Do(func() { _ = unix.Shutdown(c.fd, unix.SHUT_RDWR) })
}

// Close shuts the socket down, then closes it once nobody uses it.
func (c *fdConn) Close() error {
	c.shutdown()
	return c.f.Close()
}

func (c *fdConn) LocalAddr() net.Addr  { return c.local }
func (c *fdConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline and SetReadDeadline are not used on a connection in use.
func (c *fdConn) SetDeadline(t time.Time) error     { return c.SetWriteDeadline(t) }
func (c *fdConn) SetReadDeadline(t time.Time) error { return nil }

// SetWriteDeadline with a time in the past gives the connection up, as an
// expired deadline would (the write watchdog's use); other times are ignored.
func (c *fdConn) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() && !t.After(time.Now()) {
		c.shutdown()
	}
	return nil
}
