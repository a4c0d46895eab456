package barrier

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

const childTimeout = 20 * time.Second // bound on one barrier in a child

// barrierRounds runs rounds barriers as participant me of n. Before
// barrier k it publishes k; after it, every participant must have published
// k (nobody passed early) and none more than k+1 (nobody passed twice).
func barrierRounds(r *shmtest.Region, me, n, rounds int, timeout time.Duration) error {
	for k := int32(1); k <= int32(rounds); k++ {
		if err := signal.Set32(roundOf(r, me), wakeOf(r), k); err != nil {
			return err
		}
		if err := Wait(blockOf(r), n, timeout, nil); err != nil {
			return fmt.Errorf("participant %d, barrier %d: %w", me, k, err)
		}
		for j := 0; j < n; j++ {
			if v := signal.Fetch32(roundOf(r, j)); v < k || v > k+1 {
				return fmt.Errorf("participant %d passed barrier %d while participant %d was at %d", me, k, j, v)
			}
		}
	}
	return nil
}

// The phases a child can be held in (its policies for every n), so that each
// phase is checked across processes: the last arriver's release must reach a
// participant whichever phase it is in.
const (
	phaseDefault = iota // the policies as shipped
	phaseSpin           // PAUSE loop only
	phaseYield          // sched_yield loop only
	phaseSleep          // straight into the futex
)

func holdInPhase(phase int) {
	switch phase {
	case phaseSpin:
		alone, crowded = policy{spin: time.Hour}, policy{spin: time.Hour}
	case phaseYield:
		alone, crowded = policy{yield: time.Hour}, policy{yield: time.Hour}
	case phaseSleep:
		alone, crowded = policy{}, policy{}
	}
}

// playRounds passes rounds barriers in the given phase, then prints how
// many futex sleeps and wakes this process made.
func playRounds(r *shmtest.Region, args []int) error {
	me, n, rounds, phase := args[0], args[1], args[2], args[3]
	holdInPhase(phase)
	if err := barrierRounds(r, me, n, rounds, childTimeout); err != nil {
		return err
	}
	fmt.Printf("%d %d\n", futex.Sleeps(), futex.Wakes())
	return nil
}

// Every phase, and the shipped policies at 2, 4 and 8 processes (on a
// 2-core machine: not oversubscribed, then twice and four times), under
// contention for many rounds: nobody passes early or twice, the block ends
// clean, and the futex is used exactly when a phase reaches it.
func TestBarrierAcrossProcesses(t *testing.T) {
	cases := []struct {
		name            string
		n, rounds       int
		phase           int
		sleeps, noSleep bool
	}{
		{"n=2", 2, 2000, phaseDefault, false, false},
		{"n=4", 4, 2000, phaseDefault, false, false},
		{"n=8", 8, 2000, phaseDefault, false, false},
		// Spinning processes that outnumber the cores would take a
		// scheduler tick per round: two only.
		{"spin n=2", 2, 1000, phaseSpin, false, true},
		{"yield n=4", 4, 1000, phaseYield, false, true},
		{"sleep n=4", 4, 1000, phaseSleep, true, false},
		{"sleep n=8", 8, 300, phaseSleep, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRegion(t)
			children := make([]*shmtest.Child, c.n)
			for i := range children {
				children[i] = startChild(t, r, "rounds", i, c.n, c.rounds, c.phase)
			}
			var sleptTotal, wokeTotal uint64
			for _, ch := range children {
				var slept, woke uint64
				out := waitChild(t, ch)
				_, err := fmt.Sscanf(strings.TrimSpace(out), "%d %d", &slept, &woke)
				require.NoError(t, err, "child output %q", out)
				sleptTotal += slept
				wokeTotal += woke
			}
			arrivals, generation := split(atomic.LoadUint64(statePtr(blockOf(r))))
			assert.Equal(t, uint32(0), arrivals)
			assert.Equal(t, uint32(c.rounds), generation)
			assert.Equal(t, uint32(0), sleepersOf(r), "no sleeper left registered")
			if c.sleeps {
				// Every round but the ones where all arrived at once put
				// someone to sleep, and a sleep needs a wake to end early.
				assert.Positive(t, sleptTotal)
				assert.Positive(t, wokeTotal)
			}
			if c.noSleep {
				assert.Zero(t, sleptTotal, "a polling phase slept")
				assert.Zero(t, wokeTotal, "a release with nobody asleep made a system call")
			}
		})
	}
}

// playUntilTimeout passes barriers until one times out, which must happen
// (a participant is killed) and must be a TimeoutError.
func playUntilTimeout(r *shmtest.Region, args []int) error {
	me, n := args[0], args[1]
	for k := 1; ; k++ {
		err := Wait(blockOf(r), n, time.Second, nil)
		if err == nil {
			continue
		}
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return fmt.Errorf("participant %d, barrier %d: %w", me, k, err)
		}
		fmt.Printf("timed out at barrier %d\n", k)
		return nil
	}
}

func TestBarrierSurvivorsTimeOutWhenAParticipantDies(t *testing.T) {
	const n = 3
	r := newRegion(t)
	children := make([]*shmtest.Child, n)
	for i := range children {
		children[i] = startChild(t, r, "until-timeout", i, n)
	}
	// Let them pass some barriers together, then kill one.
	require.Eventually(t, func() bool {
		_, generation := split(atomic.LoadUint64(statePtr(blockOf(r))))
		return generation >= 20
	}, childLimit, time.Millisecond)
	children[n-1].Kill()
	for _, c := range children[:n-1] {
		out := waitChild(t, c)
		assert.True(t, strings.HasPrefix(out, "timed out at barrier"), out)
	}
}
