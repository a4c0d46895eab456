package bootstrap

import (
	"bufio"
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// init, finalize, init again on the same address, in one process: nothing of
// the first job may linger.
func TestInitFinalizeInitAgain(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	for round := range 3 {
		cfgs := make([]Config, 3)
		for r := range cfgs {
			cfgs[r] = testConfig(addr, r, 3)
		}
		res := joinConcurrently(cfgs)
		sessions := make([]*Session, 3)
		for r, j := range res {
			require.NoError(t, j.err, "round %d rank %d", round, r)
			sessions[r] = j.s
		}
		for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
			require.NoError(t, err)
		}
		closeAll(t, sessions)
		portFree(t, addr)
	}
	done()
}

// Other processes re-init while rank 0 is still finalizing the previous job:
// their Hello reaches the old server, which tells them to retry.
func TestRejoinWhileRankZeroStillFinalizes(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	first := joinConcurrently([]Config{testConfig(addr, 0, 3), testConfig(addr, 1, 3), testConfig(addr, 2, 3)})
	for _, j := range first {
		require.NoError(t, j.err)
	}
	closed0 := make(chan error, 1)
	go func() { closed0 <- first[0].s.Close() }() // waits for ranks 1 and 2
	require.NoError(t, first[1].s.Close())

	again := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), testConfig(addr, 1, 3))
		again <- joined{s: s, err: err}
	}()
	time.Sleep(100 * time.Millisecond) // rank 1 now knocks at the old server
	require.NoError(t, first[2].s.Close())
	require.NoError(t, <-closed0)

	rest := joinConcurrently([]Config{testConfig(addr, 0, 3), testConfig(addr, 2, 3)})
	j1 := <-again
	require.NoError(t, j1.err)
	sessions := []*Session{rest[0].s, j1.s, rest[1].s}
	for _, j := range rest {
		require.NoError(t, j.err)
	}
	closeAll(t, sessions)
	done()
}

func TestRankZeroCloseWaitsForTheOthers(t *testing.T) {
	done := leakCheck(t)
	var lost lostRecorder
	sessions := joinAll(t, 3, func(c *Config) { c.OnPeerLost = lost.hook(c.Rank) })
	require.NoError(t, sessions[1].Close())
	closed := make(chan error, 1)
	go func() { closed <- sessions[0].Close() }()
	select {
	case <-closed:
		t.Fatal("rank 0 closed while rank 2 was still in the job")
	case <-time.After(150 * time.Millisecond):
	}
	// Rank 0 has left: its collectives fail, the others' too.
	requireCode(t, sessions[2].Barrier("world", nil), errcode.BootstrapError, "PE 0", "already left")
	require.NoError(t, sessions[2].Close())
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(settle):
		t.Fatal("rank 0's Close did not return after the last rank left")
	}
	assert.Empty(t, lost.reports(0))
	assert.Empty(t, lost.reports(2))
	done()
}

// Rank 0 gives up waiting after OpTimeout; a rank still connected then is
// told the job is over, which is no loss.
func TestRankZeroCloseIsBounded(t *testing.T) {
	done := leakCheck(t)
	var lost lostRecorder
	sessions := joinAll(t, 2, func(c *Config) {
		c.OpTimeout = 200 * time.Millisecond
		c.OnPeerLost = lost.hook(c.Rank)
	})
	// Unbounded, Close would wait for rank 1 forever; the message names the bound.
	err := returnsWithin(t, patient, "rank 0's Close", sessions[0].Close)
	requireCode(t, err, errcode.TimeoutError, "PE 1 did not finalize within 200ms")
	require.Eventually(t, func() bool {
		sessions[1].mu.Lock()
		defer sessions[1].mu.Unlock()
		return sessions[1].shutdownSeen
	}, settle, 5*time.Millisecond)
	requireCode(t, sessions[1].Barrier("world", nil), errcode.BootstrapError, "PE 0 has finalized")
	require.NoError(t, sessions[1].Close())
	assert.Empty(t, lost.reports(1), "rank 0's graceful close is no loss")
	done()
}

func TestCloseIsIdempotentAndEndsPendingCalls(t *testing.T) {
	done := leakCheck(t)
	sessions := joinAll(t, 2, nil)
	pending := make(chan error, 1)
	go func() { pending <- sessions[1].Barrier("world", nil) }()
	time.Sleep(30 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- sessions[1].Close() }()
	requireCode(t, <-pending, errcode.BootstrapError, "PE 1 is closed")
	require.NoError(t, <-closed)
	require.NoError(t, sessions[1].Close())
	_, err := sessions[1].Allgather("world", nil, nil)
	requireCode(t, err, errcode.BootstrapError, "closed")
	require.NoError(t, sessions[0].Close())
	require.NoError(t, sessions[0].Close())
	done()
}

// A connection rank 0's server accepted but had not greeted yet when it
// began closing (the next run's PE, dialing right after its finalize) is told
// to come back, before any challenge.
func TestServerClosingTellsUngreetedConnectionsToRetry(t *testing.T) {
	sessions := joinAll(t, 2, nil)
	srv := sessions[0].srv
	c, err := net.Dial("tcp", sessions[0].cfg.Addr)
	require.NoError(t, err)
	defer c.Close()
	require.Eventually(t, func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.conns) == 3
	}, settle, time.Millisecond, "the server never accepted the connection")
	closeAll(t, sessions)
	m := readReject(t, bufio.NewReader(c))
	assert.Equal(t, verdictRetry, m.verdict)
	assert.Contains(t, m.msg, "is closing the previous run")
}

// And the client takes that first-frame Reject as the verdict it is: it
// retries until its deadline (here a fake rank 0 says "closing" forever),
// instead of failing init at once.
func TestRetryVerdictBeforeTheChallengeIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var knocks atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if _, _, err := readFrame(c, maxHandshakeFrameLen); err == nil {
				knocks.Add(1)
				_, _ = c.Write(rejectMsg{code: errcode.BootstrapError, verdict: verdictRetry,
					msg: "PE 0 at here is closing the previous run of job (no job identity)"}.encode())
			}
			c.Close()
		}
	}()
	cfg := testConfig(ln.Addr().String(), 1, 2)
	cfg.JoinTimeout = time.Second
	_, err = Join(context.Background(), cfg)
	requireCode(t, err, errcode.TimeoutError, "could not join PE 0", "is closing the previous run")
	assert.Greater(t, knocks.Load(), int32(1), "it did not come back")
}
