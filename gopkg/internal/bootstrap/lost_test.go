package bootstrap

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lostRecorder collects OnPeerLost calls of several sessions.
type lostRecorder struct {
	mu   sync.Mutex
	seen map[int][]int // observer rank -> lost ranks reported
}

func (l *lostRecorder) hook(observer int) func(int) {
	return func(lost int) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.seen == nil {
			l.seen = make(map[int][]int)
		}
		l.seen[observer] = append(l.seen[observer], lost)
	}
}

func (l *lostRecorder) reports(observer int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.seen[observer]...)
}

// pendingBarriers starts a world barrier on each session (it cannot complete:
// the session that dies never enters) and returns their outcomes.
func pendingBarriers(sessions []*Session) <-chan error {
	out := make(chan error, len(sessions))
	for _, s := range sessions {
		go func() { out <- s.Barrier("world", nil) }()
	}
	time.Sleep(50 * time.Millisecond) // let them reach the server
	return out
}

func TestLostRankFailsEveryCollective(t *testing.T) {
	done := leakCheck(t)
	var lost lostRecorder
	// With a patient OpTimeout, "was lost" (not a timeout) means the drop
	// itself failed the pending barriers.
	sessions := joinAll(t, 3, func(c *Config) { c.OnPeerLost, c.OpTimeout = lost.hook(c.Rank), patient })
	pending := pendingBarriers(sessions[:2])
	sessions[2].abort()
	for range 2 {
		requireCode(t, <-pending, errcode.BootstrapError, "PE 2 of 3 was lost")
	}
	for _, s := range sessions[:2] {
		requireCode(t, s.Barrier("other", []int{0, 1}), errcode.BootstrapError, "PE 2 of 3 was lost")
		_, err := s.Allgather("x", nil, nil)
		requireCode(t, err, errcode.BootstrapError, "PE 2")
	}
	assert.Eventually(t, func() bool { return len(lost.reports(0)) == 1 && len(lost.reports(1)) == 1 }, settle, 5*time.Millisecond)
	assert.Equal(t, []int{2}, lost.reports(0))
	assert.Equal(t, []int{2}, lost.reports(1))
	assert.Empty(t, lost.reports(2), "a dead rank reports nothing")
	closeAll(t, sessions[:2])
	assert.Equal(t, []int{2}, lost.reports(0), "no further reports")
	done()
}

func TestLostServerFailsEveryCollective(t *testing.T) {
	done := leakCheck(t)
	var lost lostRecorder
	sessions := joinAll(t, 3, func(c *Config) { c.OnPeerLost, c.OpTimeout = lost.hook(c.Rank), patient })
	pending := pendingBarriers(sessions[1:])
	sessions[0].abort()
	for range 2 {
		// The drop itself (EOF or a reset), not the patient OpTimeout nor
		// a keepalive's "timed out".
		err := <-pending
		requireCode(t, err, errcode.BootstrapError, "PE 0 of 3 was lost")
		assert.NotContains(t, err.Error(), "timed out")
	}
	for _, s := range sessions[1:] {
		requireCode(t, s.Barrier("world", nil), errcode.BootstrapError, "PE 0 of 3 was lost")
		_, err := s.GlobalExit(1)
		requireCode(t, err, errcode.BootstrapError, "PE 0")
	}
	assert.Eventually(t, func() bool { return len(lost.reports(1)) == 1 && len(lost.reports(2)) == 1 }, settle, 5*time.Millisecond)
	assert.Equal(t, []int{0}, lost.reports(1))
	for _, s := range sessions[1:] {
		assert.NoError(t, s.Close(), "closing after the server died must still release everything")
	}
	done()
}

// The real thing: rank 2 is another process, killed while the others wait.
func TestKilledProcessIsReportedLost(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	addr := freeAddr(t)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperRank$")
	child.Env = append(os.Environ(), "BOOTSTRAP_HELPER_ADDR="+addr, "BOOTSTRAP_HELPER_RANK=2", "BOOTSTRAP_HELPER_SIZE=3")
	stdout, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()

	var lost lostRecorder
	cfgs := []Config{testConfig(addr, 0, 3), testConfig(addr, 1, 3)}
	for r := range cfgs {
		cfgs[r].OnPeerLost, cfgs[r].OpTimeout = lost.hook(r), patient
	}
	res := joinConcurrently(cfgs)
	sessions := make([]*Session, 2)
	for r, j := range res {
		require.NoError(t, j.err)
		sessions[r] = j.s
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "joined\n", line)

	pending := pendingBarriers(sessions)
	require.NoError(t, child.Process.Kill())
	for range 2 {
		requireCode(t, <-pending, errcode.BootstrapError, "PE 2 of 3 was lost")
	}
	assert.Eventually(t, func() bool { return len(lost.reports(0)) == 1 && len(lost.reports(1)) == 1 }, settle, 5*time.Millisecond)
	assert.Equal(t, []int{2}, lost.reports(1))
	closeAll(t, sessions)
}

// TestHelperRank is the body of the child process of
// TestKilledProcessIsReportedLost; it does nothing in a normal run.
func TestHelperRank(t *testing.T) {
	addr := os.Getenv("BOOTSTRAP_HELPER_ADDR")
	if addr == "" {
		t.Skip("runs only as a child process")
	}
	rank, _ := strconv.Atoi(os.Getenv("BOOTSTRAP_HELPER_RANK"))
	size, _ := strconv.Atoi(os.Getenv("BOOTSTRAP_HELPER_SIZE"))
	_, err := Join(context.Background(), testConfig(addr, rank, size))
	if err != nil {
		fmt.Println("join failed:", err)
		os.Exit(2)
	}
	fmt.Println("joined")
	time.Sleep(30 * time.Second) // until killed
	os.Exit(3)
}

// TestCloseAfterALossDoesNotWaitForTheSilent: once a rank was lost, rank 0's
// Close waits only briefly for the others to leave, because a rank whose host
// vanished unnoticed never will (here rank 1 simply does not close yet).
func TestCloseAfterALossDoesNotWaitForTheSilent(t *testing.T) {
	var lost lostRecorder
	sessions := joinAll(t, 3, func(c *Config) {
		c.OnPeerLost = lost.hook(c.Rank)
		c.OpTimeout = patient
	})
	sessions[2].abort()
	assert.Eventually(t, func() bool { return len(lost.reports(0)) == 1 }, settle, 5*time.Millisecond)
	start := time.Now()
	err := returnsWithin(t, patient, "rank 0's Close", sessions[0].Close)
	requireCode(t, err, errcode.TimeoutError, "PE 1 did not finalize within "+formatDuration(afterLossLeaveTimeout))
	// A lower bound only: load makes waits longer, never shorter.
	assert.GreaterOrEqual(t, time.Since(start), afterLossLeaveTimeout/2, "rank 0 did not wait for the others at all")
	_ = sessions[1].Close()
}
