package netengine

import (
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/require"
)

// TestCloseLeavesNothing: engines that moved data (TCP and TLS, NBI work
// included, a refused connection, a failed Connect) leave no goroutine and
// no file descriptor after Close.
func TestCloseLeavesNothing(t *testing.T) {
	pki := newTestPKI(t)
	// The first network use in the process opens the runtime's poller
	// descriptors for good: get them before counting.
	warm := newNode(t, 0, 1, 4096, nil)
	require.NoError(t, warm.eng.Close())
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	t.Run("traffic", func(t *testing.T) {
		for _, tweak := range []func(*Config){nil, pki.tweak} {
			nodes := cluster(t, 3, 1<<20, tweak)
			src := localBytes(t, 200<<10, 1)
			var wg sync.WaitGroup
			for _, n := range nodes {
				wg.Go(func() {
					for pe := range 3 {
						if pe == n.eng.cfg.Rank {
							continue
						}
						if n.eng.Put(pe, 0, addrOf(src), 200<<10) != nil || n.eng.PutNBI(pe, 0, addrOf(src), 200<<10) != nil {
							panic("put failed")
						}
						if _, err := n.eng.Atomic(pe, AtomicAdd, 4, 0, 1, 0); err != nil {
							panic(err)
						}
					}
				})
			}
			wg.Wait()
			// Close without Quiet: Close completes the NBI puts.
			for _, n := range nodes {
				require.NoError(t, n.eng.Close())
			}
		}
		// A refused dialer and a failed Connect.
		server := newNode(t, 1, 2, 4096, nil)
		intruder := newNode(t, 0, 2, 4096, func(c *Config) { c.Secret = []byte("another job's secret, 32 bytes!!") })
		require.Error(t, intruder.eng.Connect([]string{"", server.eng.Addr()}, []bool{false, true}))
		require.NoError(t, intruder.eng.Close())
		require.NoError(t, server.eng.Close())
	})
	requireNoLeaks(t, goroutines, fds)
}

// TestCloseCompletesNBI: what was issued before Close is in place after it.
func TestCloseCompletesNBI(t *testing.T) {
	nodes := cluster(t, 2, 8<<20, nil)
	src := localBytes(t, 8<<20, 5)
	require.NoError(t, nodes[0].eng.PutNBI(1, 0, addrOf(src), 8<<20))
	require.NoError(t, nodes[0].eng.Signal(1, 0, signal.SigSet, 7, true))
	require.NoError(t, nodes[0].eng.Close())
	require.Equal(t, src[4:], nodes[1].heap[4:])
	require.Equal(t, int32(7), signal.Fetch32(nodes[1].word32(0)))
}

// TestCloseWithAHungPeer: a call blocked on a peer that never answers
// returns NotInited when Close comes; NBI work for it makes Close wait no
// longer than its bound and report the timeout.
func TestCloseWithAHungPeer(t *testing.T) {
	t.Run("blocked call", func(t *testing.T) {
		n, _ := connectToSilent(t, nil)
		src := localBytes(t, 8, 1)
		blocked := make(chan error, 1)
		go func() { blocked <- n.eng.Put(1, 0, addrOf(src), 8) }()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, returnsSoon(t, "Close", n.eng.Close))
		requireCode(t, <-blocked, errcode.NotInited, "network engine is closed")
	})
	t.Run("NBI outstanding", func(t *testing.T) {
		prev := closeDrainTimeout
		closeDrainTimeout = 100 * time.Millisecond
		defer func() { closeDrainTimeout = prev }()
		n, _ := connectToSilent(t, nil)
		src := localBytes(t, 8, 1)
		require.NoError(t, n.eng.PutNBI(1, 0, addrOf(src), 8))
		// Without the drain bound Close would wait for the silent peer
		// forever; returnsSoon is the hang guard.
		err := returnsSoon(t, "Close", n.eng.Close)
		require.Error(t, err)
		require.Contains(t, []int{errcode.TimeoutError, errcode.NotInited}, errcode.CodeOf(err), "%v", err)
	})
}

func TestCallsAfterClose(t *testing.T) {
	nodes := cluster(t, 2, 4096, nil)
	e := nodes[0].eng
	require.NoError(t, e.Close())
	require.NoError(t, e.Close(), "idempotent")
	buf := mmapBytes(t, 8)
	closed := func(err error) { requireCode(t, err, errcode.NotInited, "network engine is closed") }
	closed(e.Put(1, 0, addrOf(buf), 8))
	closed(e.PutNBI(1, 0, addrOf(buf), 8))
	closed(e.Get(addrOf(buf), 1, 0, 8))
	closed(e.GetNBI(addrOf(buf), 1, 0, 8))
	closed(e.Signal(1, 0, signal.SigSet, 1, true))
	_, err := e.Atomic(1, AtomicAdd, 4, 0, 1, 0)
	closed(err)
	closed(e.Quiet())
	closed(e.Fence())
	closed(e.SetChunkSize(4096))
	closed(e.Connect([]string{"", ""}, []bool{false, false}))
}

// TestCloseInterruptsConnect: a Connect waiting for a peer that accepts the
// connection but never greets is ended by Close, not by the dial timeout.
func TestCloseInterruptsConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	n := newNode(t, 0, 2, 4096, func(c *Config) { c.DialTimeout = time.Minute })
	connected := make(chan error, 1)
	go func() { connected <- n.eng.Connect([]string{"", ln.Addr().String()}, []bool{false, true}) }()
	conn, err := ln.Accept()
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, returnsSoon(t, "Close", n.eng.Close))
	requireCode(t, <-connected, errcode.BootstrapError, "PE 0 connecting to PE 1")
}
