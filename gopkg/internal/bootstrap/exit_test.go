package bootstrap

import (
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exitRecorder collects OnGlobalExit calls with their arrival time.
type exitRecorder struct {
	mu    sync.Mutex
	calls map[int][]int // rank -> statuses
	at    map[int]time.Time
}

func (e *exitRecorder) hook(rank int) func(int) {
	return func(status int) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.calls == nil {
			e.calls, e.at = make(map[int][]int), make(map[int]time.Time)
		}
		e.calls[rank] = append(e.calls[rank], status)
		e.at[rank] = time.Now()
	}
}

func (e *exitRecorder) statuses(rank int) []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.calls[rank]...)
}

func TestGlobalExitReachesRanksBlockedInCollectives(t *testing.T) {
	done := leakCheck(t)
	var exits exitRecorder
	sessions := joinAll(t, 3, func(c *Config) { c.OnGlobalExit = exits.hook(c.Rank) })
	// Ranks 1 and 2 block in a barrier rank 0 has not entered yet.
	pending := pendingBarriers(sessions[1:])
	// No error: the notices were written to both blocked ranks (GlobalExit
	// says so when they were not within its own bound).
	status, err := sessions[0].GlobalExit(7)
	require.NoError(t, err)
	assert.Equal(t, 7, status)
	require.Eventually(t, func() bool { return len(exits.statuses(1)) == 1 && len(exits.statuses(2)) == 1 },
		settle, 2*time.Millisecond)
	assert.Equal(t, []int{7}, exits.statuses(1))
	assert.Equal(t, []int{7}, exits.statuses(2))
	assert.Empty(t, exits.statuses(0), "the caller is not notified")

	// The barrier did not have to end for the callbacks; it still completes.
	require.NoError(t, sessions[0].Barrier("world", nil))
	for range 2 {
		require.NoError(t, <-pending)
	}
	// A second exit request, with another status, notifies nobody and
	// learns the first one's status: the job ends with that one.
	status, err = sessions[1].GlobalExit(9)
	require.NoError(t, err)
	assert.Equal(t, 7, status)
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, []int{7}, exits.statuses(2))
	assert.Empty(t, exits.statuses(0))
	closeAll(t, sessions)
	done()
}

// The job's handler typically tears the session down from inside the
// callback; that must neither deadlock nor wait for the blocked call.
func TestGlobalExitCallbackMayCloseTheSession(t *testing.T) {
	done := leakCheck(t)
	closed := make(chan error, 1)
	var sessions []*Session
	ready := make(chan struct{})
	sessions = joinAll(t, 2, func(c *Config) {
		if c.Rank == 1 {
			c.OnGlobalExit = func(int) {
				<-ready
				closed <- sessions[1].Close()
			}
		}
	})
	close(ready)
	pending := make(chan error, 1)
	go func() { pending <- sessions[1].Barrier("world", nil) }()
	time.Sleep(30 * time.Millisecond)
	_, err := sessions[0].GlobalExit(3)
	require.NoError(t, err)
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(settle):
		t.Fatal("Close from the callback did not return")
	}
	requireCode(t, <-pending, errcode.BootstrapError, "closed")
	require.NoError(t, sessions[0].Close())
	_, err = sessions[0].GlobalExit(1)
	requireCode(t, err, errcode.BootstrapError, "closed")
	done()
}

func TestGlobalExitOfSizeOneJob(t *testing.T) {
	sessions := joinAll(t, 1, nil)
	_, err := sessions[0].GlobalExit(0)
	require.NoError(t, err)
	closeAll(t, sessions)
}
