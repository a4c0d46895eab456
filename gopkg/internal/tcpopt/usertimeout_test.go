package tcpopt

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func userTimeout(t *testing.T, c net.Conn) int {
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var v int
	var gerr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
	}))
	require.NoError(t, gerr)
	return v
}

// Both ends of a connection carry the timeout: the dialed one and the one a
// listener accepted.
func TestDialedAndAcceptedConnectionsCarryTheUserTimeout(t *testing.T) {
	lc := net.ListenConfig{Control: Control, KeepAliveConfig: KeepAlive}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	d := net.Dialer{Control: Control, KeepAliveConfig: KeepAlive}
	c, err := d.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	want := int(UserTimeout / time.Millisecond)
	assert.Equal(t, want, userTimeout(t, c))
	select {
	case s := <-accepted:
		defer s.Close()
		assert.Equal(t, want, userTimeout(t, s))
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
	}
}
