package signal

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// Tests across real processes: children re-executed from this test binary
// map the same memfd at their own addresses.

const childWait = 20 * time.Second // a child's bound on any single wait

// Words of the cross-process tests.
const (
	pingWord    = 0
	pongWord    = 1
	counter64   = 2
	counter32   = 3
	idleWord    = 4
	ringFirst   = 8 // ringFirst..ringFirst+7
	broadcastW  = 16
	broadcastAk = 17
)

// pingPong plays one side of a ping-pong: for each round it sends on out
// (unless it answers) and waits for the round on in. wide uses 64-bit words
// whose low halves never change.
type pingPong struct {
	r       *shmtest.Region
	in, out int
	wide    bool
}

func (p pingPong) send(round int64) error {
	if p.wide {
		return Set64(wordAt(p.r, p.out), wakeBlock(p.r), round<<32)
	}
	return Set32(wordAt(p.r, p.out), wakeBlock(p.r), int32(round))
}

func (p pingPong) await(round int64) error {
	var err error
	if p.wide {
		_, err = waitUntil64(wordAt(p.r, p.in), wakeBlock(p.r), CmpEQ, round<<32, childWait)
	} else {
		_, err = WaitUntil32(wordAt(p.r, p.in), wakeBlock(p.r), CmpEQ, int32(round), childWait, nil)
	}
	if err != nil {
		return fmt.Errorf("round %d: %w", round, err)
	}
	return nil
}

// sleepOnly makes every wait of this process go to the futex at once.
func sleepOnly(t testing.TB) {
	spinBudget, yieldBudget = 0, 0
	if t != nil {
		t.Cleanup(func() { spinBudget, yieldBudget = spinIterations, yieldIterations })
	}
}

// playPong answers pings: args are rounds, then 1 for sleep-only waits and
// 1 for 64-bit words.
func playPong(r *shmtest.Region, args []int) error {
	if args[1] == 1 {
		sleepOnly(nil)
	}
	p := pingPong{r: r, in: pingWord, out: pongWord, wide: args[2] == 1}
	for i := int64(1); i <= int64(args[0]); i++ {
		if err := p.await(i); err != nil {
			return err
		}
		if err := p.send(i); err != nil {
			return err
		}
	}
	return nil
}

func TestPingPongAcrossProcesses(t *testing.T) {
	const rounds = 1000
	for _, c := range []struct {
		name         string
		sleepy, wide int
	}{{"32", 0, 0}, {"64", 0, 1}, {"32-futex-only", 1, 0}, {"64-futex-only", 1, 1}} {
		t.Run(c.name, func(t *testing.T) {
			r := newRegion(t)
			if c.sleepy == 1 {
				sleepOnly(t)
			}
			child := startChild(t, r, "pong", rounds, c.sleepy, c.wide)
			p := pingPong{r: r, in: pongWord, out: pingWord, wide: c.wide == 1}
			sleeps, wakes := futex.Sleeps(), futex.Wakes()
			for i := int64(1); i <= rounds; i++ {
				require.NoError(t, p.send(i))
				require.NoError(t, p.await(i))
			}
			waitChild(t, child)
			sleeps, wakes = futex.Sleeps()-sleeps, futex.Wakes()-wakes
			t.Logf("this side: %d futex waits, %d futex wakes", sleeps, wakes)
			if c.sleepy == 1 {
				// Both sides sleep in some rounds and none loses a wake-up (all
				// rounds completed). How many rounds a side sleeps in depends on
				// the scheduler: a sleeper's membarrier before its last check
				// often lets the answer arrive first.
				assert.Greater(t, sleeps, uint64(0), "this side slept")
				assert.Greater(t, wakes, uint64(0), "the child slept and this side woke it")
			}
		})
	}
}

func playFetchAdd(r *shmtest.Region, args []int) error {
	w := wakeBlock(r)
	for i := 0; i < args[0]; i++ {
		ticket, err := FetchAdd64(wordAt(r, counter64), w, 1)
		if err != nil {
			return err
		}
		if ticket < 0 || ticket >= slotCount {
			return fmt.Errorf("ticket %d out of range", ticket)
		}
		if err := Add32(slotAt(r, int(ticket)), w, 1); err != nil {
			return err
		}
		if err := Add32(wordAt(r, counter32), w, 3); err != nil {
			return err
		}
	}
	return nil
}

func TestFetchAddAcrossProcessesIsExact(t *testing.T) {
	const procs, each = 4, 5000
	r := newRegion(t)
	children := make([]*shmtest.Child, procs)
	for i := range children {
		children[i] = startChild(t, r, "fetchadd", each)
	}
	for _, c := range children {
		waitChild(t, c)
	}
	assert.Equal(t, int64(procs*each), Fetch64(wordAt(r, counter64)))
	assert.Equal(t, int32(3*procs*each), Fetch32(wordAt(r, counter32)))
	// Every ticket went to exactly one process.
	for i := 0; i < procs*each; i++ {
		require.Equal(t, int32(1), Fetch32(slotAt(r, i)), "ticket %d", i)
	}
	assert.Equal(t, int32(0), Fetch32(slotAt(r, procs*each)))
}

func playIdle(r *shmtest.Region, _ []int) error {
	sleeps := futex.Sleeps()
	checks := 0
	start := time.Now()
	a := wordAt(r, idleWord)
	if err := Wait(wakeBlock(r), func() bool { checks++; return Fetch32(a) == 1 }, childWait, nil); err != nil {
		return err
	}
	fmt.Printf("checks=%d sleeps=%d waited=%d\n", checks, futex.Sleeps()-sleeps, time.Since(start))
	return nil
}

// A waiter that has to wait long sleeps in the kernel: after its bounded
// awake phase it looks at the word only when a futex sleep ends, and those end
// at the latest every sleepSlice (load can only make them longer). Counted,
// not timed: the test holds on a machine of any speed or load.
func TestSleepingWaiterUsesNoCPU(t *testing.T) {
	r := newRegion(t)
	w := wakeBlock(r)
	child := startChild(t, r, "idle")
	// The child is asleep once it has registered in the wake block.
	require.Eventually(t, func() bool { return Fetch32(w+sleepersOffset) == 1 }, childWait, time.Millisecond)
	time.Sleep(time.Second) // not a bound: lets the child sleep through many slices
	require.NoError(t, Set32(wordAt(r, idleWord), w, 1))
	out := waitChild(t, child) // fails unless the wait ended with the word set (not a timeout)

	var checks, sleeps uint64
	var waited time.Duration
	_, err := fmt.Sscanf(strings.TrimSpace(out), "checks=%d sleeps=%d waited=%d", &checks, &sleeps, &waited)
	require.NoError(t, err, "child output: %q", out)
	t.Logf("waiter: %v waited, %d checks, %d futex sleeps", waited, checks, sleeps)
	assert.GreaterOrEqual(t, sleeps, uint64(1), "the waiter slept")
	awake := uint64(1 + spinIterations + yieldIterations)
	assert.LessOrEqual(t, checks, awake+sleeps+1, "every check after the awake phase follows a futex sleep")
	// A busy futex (one that returns at once) would make thousands; the margin
	// is for spurious wake-ups.
	assert.LessOrEqual(t, sleeps, 2*uint64(waited/sleepSlice)+10, "a futex sleep lasts a slice unless woken")
	assert.Equal(t, int32(0), Fetch32(w+sleepersOffset), "the waiter left the wake block")
}

func playRing(r *shmtest.Region, args []int) error {
	me, n, rounds := args[0], args[1], int32(args[2])
	w := wakeBlock(r)
	for round := int32(1); round <= rounds; round++ {
		if _, err := WaitUntil32(wordAt(r, ringFirst+me), w, CmpGE, round, childWait, nil); err != nil {
			return fmt.Errorf("PE %d round %d: %w", me, round, err)
		}
		if err := Add32(slotAt(r, me), w, 1); err != nil {
			return err
		}
		next, token := (me+1)%n, round
		if next == 0 {
			token = round + 1
		}
		if err := Set32(wordAt(r, ringFirst+next), w, token); err != nil {
			return err
		}
	}
	return nil
}

// Eight processes on a two-core machine pass a token round a ring: each one
// must sleep and be woken for every round.
func TestEightWaitersOnFewCoresAllProgress(t *testing.T) {
	const procs, rounds = 8, 200
	r := newRegion(t)
	children := make([]*shmtest.Child, procs)
	for i := range children {
		children[i] = startChild(t, r, "ring", i, procs, rounds)
	}
	require.NoError(t, Set32(wordAt(r, ringFirst), wakeBlock(r), 1))
	for _, c := range children {
		waitChild(t, c)
	}
	for i := 0; i < procs; i++ {
		assert.Equal(t, int32(rounds), Fetch32(slotAt(r, i)), "progress of PE %d", i)
	}
}

func playBroadcast(r *shmtest.Region, args []int) error {
	w := wakeBlock(r)
	for k := int64(1); k <= int64(args[0]); k++ {
		if _, err := waitUntil64(wordAt(r, broadcastW), w, CmpGE, k, childWait); err != nil {
			return fmt.Errorf("round %d: %w", k, err)
		}
		if err := Add32(wordAt(r, broadcastAk), w, 1); err != nil {
			return err
		}
	}
	return nil
}

// One 64-bit word, eight sleepers in other processes: every update must
// wake all of them (the generation-word path).
func TestBroadcast64AcrossProcesses(t *testing.T) {
	const procs, rounds = 8, 100
	r := newRegion(t)
	w := wakeBlock(r)
	children := make([]*shmtest.Child, procs)
	for i := range children {
		children[i] = startChild(t, r, "broadcast", rounds)
	}
	for k := int64(1); k <= rounds; k++ {
		require.NoError(t, Set64(wordAt(r, broadcastW), w, k))
		_, err := WaitUntil32(wordAt(r, broadcastAk), w, CmpGE, int32(procs*k), childWait, nil)
		require.NoError(t, err, "round %d", k)
	}
	for _, c := range children {
		waitChild(t, c)
	}
	assert.Equal(t, int32(procs*rounds), Fetch32(wordAt(r, broadcastAk)))
}
