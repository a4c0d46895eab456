package netengine

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

// TestSecretMismatchRefused: a PE with another secret cannot connect; the
// dialer's error and the server's log both say why, and nothing of the
// refused PE's reaches the heap.
func TestSecretMismatchRefused(t *testing.T) {
	server := newNode(t, 1, 2, 4096, nil)
	intruder := newNode(t, 0, 2, 4096, func(c *Config) { c.Secret = []byte("another job's secret, 32 bytes!!") })
	err := intruder.eng.Connect([]string{"", server.eng.Addr()}, []bool{false, true})
	requireCode(t, err, errcode.BootstrapError, "refused: job secret mismatch")
	require.Contains(t, err.Error(), "PE 0 connecting to PE 1 at "+server.eng.Addr())
	server.logs.waitForLog(t, "claiming PE 0: job secret mismatch")
	intruder.logs.waitForLog(t, "refused: job secret mismatch")
	src := localBytes(t, 8, 1)
	requireCode(t, intruder.eng.Put(1, 0, addrOf(src), 8), errcode.NotSupported, "not reached")

	// A PE of the job is still welcome.
	friend := newNode(t, 0, 2, 4096, nil)
	require.NoError(t, friend.eng.Connect([]string{"", server.eng.Addr()}, []bool{false, true}))
	require.NoError(t, friend.eng.Put(1, 0, addrOf(src), 8))
	require.Equal(t, src, server.at(0, 8))
}

// TestHandshakeRefusals drives the server side by hand.
func TestHandshakeRefusals(t *testing.T) {
	server := newNode(t, 1, 2, 4096, nil)
	hello := func(t *testing.T) (net.Conn, []byte) {
		conn, err := net.Dial("tcp", server.eng.Addr())
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		h := make([]byte, serverHelloLen)
		_, err = io.ReadFull(conn, h)
		require.NoError(t, err)
		id, ok := readIdentity(h)
		require.True(t, ok)
		require.Equal(t, identity{version: protocolVersion, rank: 1, size: 2}, id)
		return conn, h[identityLen:]
	}
	answer := func(t *testing.T, conn net.Conn, id identity, mac []byte) byte {
		b := make([]byte, clientProofLen)
		putIdentity(b, id)
		copy(b[identityLen+nonceLen:], mac)
		_, err := conn.Write(b)
		require.NoError(t, err)
		v := make([]byte, serverVerdictLen)
		_, err = io.ReadFull(conn, v)
		require.NoError(t, err)
		_, err = conn.Read(make([]byte, 1))
		require.ErrorIs(t, err, io.EOF, "a refused connection is closed")
		return v[0]
	}
	t.Run("mac of another rank", func(t *testing.T) {
		conn, nonce := hello(t)
		mac := proof(testSecret, clientProofLabel, nonce, 1)
		require.Equal(t, byte(verdictSecretMismatch), answer(t, conn, identity{protocolVersion, 0, 2}, mac))
	})
	t.Run("replayed mac of an old nonce", func(t *testing.T) {
		_, oldNonce := hello(t)
		conn, nonce := hello(t)
		require.NotEqual(t, oldNonce, nonce)
		mac := proof(testSecret, clientProofLabel, oldNonce, 0)
		require.Equal(t, byte(verdictSecretMismatch), answer(t, conn, identity{protocolVersion, 0, 2}, mac))
	})
	t.Run("the server's own proof replayed", func(t *testing.T) {
		conn, nonce := hello(t)
		mac := proof(testSecret, serverProofLabel, nonce, 0)
		require.Equal(t, byte(verdictSecretMismatch), answer(t, conn, identity{protocolVersion, 0, 2}, mac))
	})
	t.Run("rank outside the job", func(t *testing.T) {
		conn, nonce := hello(t)
		mac := proof(testSecret, clientProofLabel, nonce, 5)
		require.Equal(t, byte(verdictBadIdentity), answer(t, conn, identity{protocolVersion, 5, 2}, mac))
	})
	t.Run("other job size", func(t *testing.T) {
		conn, nonce := hello(t)
		mac := proof(testSecret, clientProofLabel, nonce, 0)
		require.Equal(t, byte(verdictBadIdentity), answer(t, conn, identity{protocolVersion, 0, 3}, mac))
	})
	t.Run("other version", func(t *testing.T) {
		conn, nonce := hello(t)
		mac := proof(testSecret, clientProofLabel, nonce, 0)
		require.Equal(t, byte(verdictBadVersion), answer(t, conn, identity{protocolVersion + 1, 0, 2}, mac))
	})
	t.Run("not a shmem peer", func(t *testing.T) {
		conn, _ := hello(t)
		_, err := conn.Write(bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), 10))
		require.NoError(t, err)
		got, _ := io.ReadAll(conn) // EOF, or a reset: the server left our bytes unread
		require.Empty(t, got, "closed without a verdict")
		server.logs.waitForLog(t, "bad magic")
	})
	t.Run("silent client", func(t *testing.T) {
		quick := newNode(t, 1, 2, 4096, func(c *Config) { c.DialTimeout = 100 * time.Millisecond })
		conn, err := net.Dial("tcp", quick.eng.Addr())
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err = io.ReadAll(conn) // the hello, then the close at the deadline
		require.NoError(t, err)
		quick.logs.waitForLog(t, "i/o timeout")
	})
}

// TestDialerChecksTheServer: the dialer notices it reached the wrong PE, a
// server that cannot prove the secret, or something that is no engine.
func TestDialerChecksTheServer(t *testing.T) {
	pe2 := newNode(t, 2, 3, 4096, nil)
	dialer := newNode(t, 0, 3, 4096, nil)
	err := dialer.eng.Connect([]string{"", pe2.eng.Addr(), ""}, []bool{false, true, false})
	requireCode(t, err, errcode.BootstrapError, "the engine there is PE 2 of 3 PEs, expected PE 1 of 3")

	// An impostor that answers the handshake without knowing the secret.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		h := make([]byte, serverHelloLen)
		putIdentity(h, identity{protocolVersion, 1, 3})
		_, _ = conn.Write(h)
		_, _ = io.ReadFull(conn, make([]byte, clientProofLen))
		_, _ = conn.Write(make([]byte, serverVerdictLen)) // "accepted", with a zero mac
	}()
	other := newNode(t, 0, 3, 4096, nil)
	err = other.eng.Connect([]string{"", ln.Addr().String(), ""}, []bool{false, true, false})
	requireCode(t, err, errcode.BootstrapError, "could not prove the job secret")

	// Nothing listening.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := closed.Addr().String()
	require.NoError(t, closed.Close())
	third := newNode(t, 0, 3, 4096, nil)
	err = third.eng.Connect([]string{"", addr, ""}, []bool{false, true, false})
	requireCode(t, err, errcode.BootstrapError, "connection refused")
}

func TestConnectArguments(t *testing.T) {
	n := newNode(t, 0, 2, 4096, nil)
	requireCode(t, n.eng.Connect([]string{"x"}, []bool{true, true}), errcode.InvalidParam, "1 addresses and 2 use flags for 2 PEs")
	require.NoError(t, n.eng.Connect([]string{"", ""}, []bool{false, false}))
	requireCode(t, n.eng.Connect([]string{"", ""}, []bool{false, false}), errcode.InvalidParam, "already connected")
}

func TestConfigChecked(t *testing.T) {
	heap := mmapBytes(t, 4096)
	good := Config{Rank: 0, Size: 2, HeapBase: addrOf(heap), HeapSize: 4096, WakeBlock: addrOf(heap), Secret: testSecret}
	cases := []struct {
		text  string
		tweak func(*Config)
	}{
		{"size 0", func(c *Config) { c.Size = 0 }},
		{"rank 2 is out of range for size 2", func(c *Config) { c.Rank = 2 }},
		{"heap size is 0", func(c *Config) { c.HeapSize = 0 }},
		{"not a valid address range", func(c *Config) { c.HeapBase = 8 }},
		{"not a valid address range", func(c *Config) { c.HeapSize = ^uintptr(0) }},
		{"wake block", func(c *Config) { c.WakeBlock = addrOf(heap) + 2 }},
		{"shorter than 16", func(c *Config) { c.Secret = []byte("short") }},
		{"negative dial timeout", func(c *Config) { c.DialTimeout = -1 }},
	}
	for _, tc := range cases {
		cfg := good
		tc.tweak(&cfg)
		_, err := Listen(cfg)
		requireCode(t, err, errcode.InvalidParam, tc.text)
	}
	bad := good
	bad.ListenHost = "203.0.113.1" // not an address of this host
	_, err := Listen(bad)
	requireCode(t, err, errcode.BootstrapError, "cannot listen")
}
