package netengine

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// silentPeer is PE rank of a job of size that passes the handshake, then
// reads every request and never answers: a hung process. Its connections
// arrive on conns, so a test can drop them (the process dies).
func silentPeer(t testing.TB, rank, size int) (addr string, conns <-chan net.Conn) {
	return fakePeer(t, rank, size, true)
}

// fakePeer passes the handshake as PE rank of size and then, with drain,
// reads and drops every request; without, it reads nothing at all.
func fakePeer(t testing.TB, rank, size int, drain bool) (addr string, conns <-chan net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
			cfg := Config{Rank: rank, Size: size, Secret: testSecret}
			if _, err := serverHandshake(conn, &cfg); err != nil {
				_ = conn.Close()
				continue
			}
			ch <- conn
			if drain {
				go func() { _, _ = io.Copy(io.Discard, conn) }()
			}
		}
	}()
	return ln.Addr().String(), ch
}

// connectToSilent makes PE 0 of 2 whose PE 1 is a silent peer.
func connectToSilent(t testing.TB, tweak func(*Config)) (*node, <-chan net.Conn) {
	addr, conns := silentPeer(t, 1, 2)
	n := newNode(t, 0, 2, 1<<20, tweak)
	require.NoError(t, n.eng.Connect([]string{"", addr}, []bool{false, true}))
	return n, conns
}

// returnsSoon runs f and returns its error, failing if it takes long.
func returnsSoon(t testing.TB, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second): // a hang guard, generous for a loaded machine
		t.Fatalf("%s did not return", what)
		return nil
	}
}

// TestPeerDeathFailsEverything: every operation waiting on a PE whose
// connection drops fails promptly with BootstrapError naming it, NBI work
// it lost is reported by Quiet, and later calls fail at once.
func TestPeerDeathFailsEverything(t *testing.T) {
	n, conns := connectToSilent(t, nil)
	e := n.eng
	conn := <-conns
	src := localBytes(t, 1<<20, 1)
	dst := mmapBytes(t, 1<<20)

	require.NoError(t, e.PutNBI(1, 0, addrOf(src), 1<<20))
	require.NoError(t, e.GetNBI(addrOf(dst), 1, 0, 4096))
	blocked := make(chan error, 4)
	go func() { blocked <- e.Put(1, 0, addrOf(src), 8) }()
	go func() { blocked <- e.Get(addrOf(dst), 1, 0, 8) }()
	go func() { _, err := e.Atomic(1, AtomicAdd, 8, 0, 1, 0); blocked <- err }()
	go func() { blocked <- e.Signal(1, 0, signal.SigSet, 1, false) }()
	time.Sleep(50 * time.Millisecond) // let them block on the peer
	require.NoError(t, conn.Close())  // the peer dies

	for range 4 {
		select {
		case err := <-blocked:
			requireCode(t, err, errcode.BootstrapError, "PE 1: connection lost")
		case <-time.After(5 * time.Second):
			t.Fatal("an operation on the dead PE is still blocked")
		}
	}
	requireCode(t, e.Quiet(), errcode.BootstrapError, "PE 1: connection lost")
	require.NoError(t, e.Quiet(), "reported once")
	requireCode(t, e.Put(1, 0, addrOf(src), 8), errcode.BootstrapError, "PE 1: connection lost")
	requireCode(t, e.PutNBI(1, 0, addrOf(src), 8), errcode.BootstrapError, "PE 1")
	require.NoError(t, e.Quiet())
}

// TestEngineDeathSeenByPeers: when a PE's engine goes away, the others'
// calls to it fail and calls to the living keep working.
func TestEngineDeathSeenByPeers(t *testing.T) {
	nodes := cluster(t, 3, 4096, nil)
	src := localBytes(t, 8, 1)
	require.NoError(t, nodes[0].eng.Put(1, 0, addrOf(src), 8))
	require.NoError(t, nodes[1].eng.Close())
	require.Eventually(t, func() bool {
		return errcode.CodeOf(nodes[0].eng.Put(1, 0, addrOf(src), 8)) == errcode.BootstrapError
	}, 5*time.Second, time.Millisecond)
	err := nodes[0].eng.Put(1, 0, addrOf(src), 8)
	requireCode(t, err, errcode.BootstrapError, "PE 1: connection lost: closed by the peer")
	require.NoError(t, nodes[0].eng.Put(2, 0, addrOf(src), 8))
	require.NoError(t, nodes[2].eng.Put(0, 0, addrOf(src), 8))
}

// TestPeerLostFailsAWaitingCall: the job learns from the rendezvous that a PE
// died while its connection still looks open (its host vanished); a put
// waiting for that PE's answer fails then, instead of waiting for TCP.
func TestPeerLostFailsAWaitingCall(t *testing.T) {
	n, conns := connectToSilent(t, nil)
	<-conns
	src := localBytes(t, 64, 1)
	done := make(chan error, 1)
	go func() { done <- n.eng.Put(1, 0, addrOf(src), 64) }()
	select {
	case err := <-done:
		t.Fatalf("a put to a silent peer returned before it was declared lost: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	n.eng.PeerLost(1, errcode.New(errcode.BootstrapError, "PE 1 of the job died"))
	err := returnsSoon(t, "the waiting put", func() error { return <-done })
	requireCode(t, err, errcode.BootstrapError, "PE 1")
	requireCode(t, n.eng.Put(1, 0, addrOf(src), 64), errcode.BootstrapError, "PE 1")
	n.eng.PeerLost(7, nil) // an unknown PE is ignored
}
