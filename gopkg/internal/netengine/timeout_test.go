package netengine

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// answerGet writes the silent peer's answer to get id: n bytes of b at heap
// offset 0.
func answerGet(t *testing.T, conn interface{ Write([]byte) (int, error) }, id uint64, n int, b byte) {
	var hdr [responseHeaderLen]byte
	r := response{status: statusOK, flags: flagFinal, id: id, len: uint64(n)}
	r.encode(hdr[:])
	_, err := conn.Write(append(hdr[:], bytes.Repeat([]byte{b}, n)...))
	require.NoError(t, err)
}

// A blocking get from a peer that never answers (a frozen process) fails
// with TimeoutError after OpTimeout; its answer, arriving later, is dropped:
// the caller's buffer, given back with the error, is never written; the
// connection stays in step for the next call.
func TestFrozenPeerTimesOutAndALateAnswerIsDropped(t *testing.T) {
	n, conns := connectToSilent(t, func(c *Config) { c.OpTimeout = 200 * time.Millisecond })
	conn := <-conns
	first, second := mmapBytes(t, 8), mmapBytes(t, 8)

	start := time.Now()
	err := returnsSoon(t, "a get from a frozen peer", func() error { return n.eng.Get(addrOf(first), 1, 0, 8) })
	requireCode(t, err, errcode.TimeoutError, "control_operation_timeout")
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

	answerGet(t, conn, 1, 8, 0xaa) // the late answer to the first get
	done := make(chan error, 1)
	go func() { done <- n.eng.Get(addrOf(second), 1, 0, 8) }()
	time.Sleep(20 * time.Millisecond)
	answerGet(t, conn, 2, 8, 0xbb)
	require.NoError(t, returnsSoon(t, "the next get", func() error { return <-done }))
	require.Equal(t, bytes.Repeat([]byte{0xbb}, 8), second)
	require.Equal(t, make([]byte, 8), first, "the late answer was written to a buffer given back")
	require.NoError(t, n.eng.Quiet(), "the abandoned get is not an NBI failure")
}

// Ctrl-C (an interrupt) ends a get waiting on a frozen peer at once.
func TestInterruptEndsAGetFromAFrozenPeer(t *testing.T) {
	n, conns := connectToSilent(t, nil)
	<-conns
	dst := mmapBytes(t, 8)
	done := make(chan error, 1)
	go func() { done <- n.eng.Get(addrOf(dst), 1, 0, 8) }()
	// Raised until the get ends: one raised before the get started to wait
	// is, rightly, not its interrupt.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		interrupt.Raise()
		select {
		case err := <-done:
			requireCode(t, err, errcode.Interrupted, "interrupted")
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("the interrupt did not end the get")
}

// A blocking put larger than the socket buffers, to a peer that reads
// nothing (frozen): the caller is stuck writing, and control_operation_timeout
// still ends the call.
func TestFrozenPeerThatDoesNotReadTimesOutAWritingPut(t *testing.T) {
	n := newNode(t, 0, 2, 64<<20, func(c *Config) { c.OpTimeout = 300 * time.Millisecond })
	addr, conns := stalledPeer(t, 1, 2)
	require.NoError(t, n.eng.Connect([]string{"", addr}, []bool{false, true}))
	<-conns
	src := localBytes(t, 32<<20, 1)
	err := returnsSoon(t, "a put to a peer that reads nothing", func() error { return n.eng.Put(1, 0, addrOf(src), 32<<20) })
	require.Contains(t, []int{errcode.TimeoutError, errcode.BootstrapError}, errcode.CodeOf(err), "%v", err)
}

// stalledPeer is silentPeer that, after the handshake, reads nothing at all.
func stalledPeer(t testing.TB, rank, size int) (addr string, conns <-chan net.Conn) {
	return fakePeer(t, rank, size, false)
}

// Quiet with an NBI put outstanding to a frozen peer fails with TimeoutError
// after the operation timeout (the watchdog leaves Quiet's flush to Quiet).
func TestFrozenPeerTimesOutQuiet(t *testing.T) {
	n, conns := connectToSilent(t, func(c *Config) { c.OpTimeout = 200 * time.Millisecond })
	<-conns
	src := localBytes(t, 8, 1)
	require.NoError(t, n.eng.PutNBI(1, 0, addrOf(src), 8))
	err := returnsSoon(t, "quiet with a frozen peer", func() error { return n.eng.Quiet() })
	requireCode(t, err, errcode.TimeoutError, "did not complete outstanding NBI operations")
}
