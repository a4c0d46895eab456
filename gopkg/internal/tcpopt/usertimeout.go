package tcpopt

import (
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// KeepAlive makes a peer whose host vanished (no FIN, no RST) show up as
// lost within about 11 s while the connection is idle.
var KeepAlive = net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3}

// UserTimeout bounds how long sent data may stay unacknowledged before the
// kernel drops the connection. Keepalive probes are not sent while data is
// in flight, so without it a host that vanished mid-write is noticed only by
// retransmission timeouts, about 15 minutes later.
const UserTimeout = 11 * time.Second

// Control is a net.Dialer / net.ListenConfig Control function that sets
// TCP_USER_TIMEOUT on the socket (a listener's setting is inherited by the
// connections it accepts).
func Control(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(UserTimeout/time.Millisecond))
	})
	if err != nil {
		return err
	}
	return serr
}
