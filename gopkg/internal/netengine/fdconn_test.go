package netengine

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tcpPair is a connected pair of plain sockets, the client side detached
// from Go's poller.
func tcpPair(t *testing.T) (*fdConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	s, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	fc, err := detachConn(c.(*net.TCPConn))
	require.NoError(t, err)
	t.Cleanup(func() { _ = fc.Close() })
	return fc, s
}

// Dialed plain TCP connections leave the poller (TLS ones are never detached:
// dial checks that the stream is the socket itself).
func TestDialedConnectionsLeaveThePoller(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	p := peerOf(t, nodes[0], 1)
	_, ok := p.conn.(*fdConn)
	require.True(t, ok, "a plain TCP peer connection is an fdConn, not %T", p.conn)
	require.Same(t, p.conn, p.raw)
}

// Beyond maxDetachedConns connections stay in the poller, and everything
// works there as well (the caller reads its answer directly either way).
func TestManyConnectionsStayInThePoller(t *testing.T) {
	saved := maxDetachedConns
	maxDetachedConns = 1
	t.Cleanup(func() { maxDetachedConns = saved })
	nodes := cluster(t, 3, 1<<20, nil)
	for _, pe := range []int{1, 2} {
		p := peerOf(t, nodes[0], pe)
		_, ok := p.conn.(*net.TCPConn)
		require.True(t, ok, "with 2 remote PEs and a bound of 1, the connection stays a %T", p.conn)
		src := localBytes(t, 100<<10, uint64(pe))
		require.NoError(t, nodes[0].eng.Put(pe, 0, addrOf(src), 100<<10))
		require.NoError(t, nodes[0].eng.PutNBI(pe, 200<<10, addrOf(src), 100<<10))
		require.NoError(t, nodes[0].eng.Quiet())
		dst := mmapBytes(t, 100<<10)
		require.NoError(t, nodes[0].eng.Get(addrOf(dst), pe, 200<<10, 100<<10))
		require.Equal(t, src, dst)
		require.Equal(t, src, nodes[pe].at(0, 100<<10))
	}
}

// Bytes go both ways exactly, writev included (with a payload larger than
// the socket buffer, so that the kernel takes it in several pieces).
func TestDetachedConnectionMovesBytes(t *testing.T) {
	fc, s := tcpPair(t)
	hdr := []byte("header-")
	payload := randomBytes(8<<20, 5)
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, len(hdr)+len(payload))
		_, _ = io.ReadFull(s, b)
		got <- b
	}()
	require.NoError(t, fc.writev([][]byte{hdr, payload}))
	require.Equal(t, append(append([]byte(nil), hdr...), payload...), <-got)

	_, err := s.Write([]byte("answer"))
	require.NoError(t, err)
	b := make([]byte, 6)
	_, err = io.ReadFull(fc, b)
	require.NoError(t, err)
	require.Equal(t, "answer", string(b))
	require.Equal(t, s.LocalAddr().String(), fc.RemoteAddr().String())
	require.Equal(t, s.RemoteAddr().String(), fc.LocalAddr().String())
}

// A write blocked on a peer that reads nothing ends when the write deadline
// is put in the past (the write watchdog), and a blocked read ends at
// Close: blocked system calls do not notice a descriptor closed under them.
func TestDetachedConnectionUnblocks(t *testing.T) {
	fc, _ := tcpPair(t)
	written := make(chan error, 1)
	go func() {
		big := make([]byte, 64<<20) // more than both socket buffers hold
		_, err := fc.Write(big)
		written <- err
	}()
	select {
	case err := <-written:
		t.Fatalf("the write did not block: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, fc.SetWriteDeadline(time.Time{}), "a zero deadline changes nothing")
	require.NoError(t, fc.SetWriteDeadline(time.Unix(1, 0)))
	select {
	case err := <-written:
		require.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the blocked write did not end")
	}

	fc2, _ := tcpPair(t)
	read := make(chan error, 1)
	go func() {
		_, err := fc2.Read(make([]byte, 1))
		read <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, fc2.Close())
	select {
	case err := <-read:
		require.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the blocked read did not end at Close")
	}
}
