package barrier

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/futex"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// withPolicies sets both policies for the rest of the test.
func withPolicies(t *testing.T, a, c policy) {
	oldAlone, oldCrowded := alone, crowded
	alone, crowded = a, c
	t.Cleanup(func() { alone, crowded = oldAlone, oldCrowded })
}

func TestPolicyFollowsTheCPUCount(t *testing.T) {
	assert.Equal(t, alone, policyFor(1))
	assert.Equal(t, alone, policyFor(cpus))
	assert.Equal(t, crowded, policyFor(cpus+1))
	assert.Zero(t, crowded.spin, "a crowded waiter must not burn the CPU the late one needs")
	assert.Positive(t, alone.spin)
	assert.Positive(t, crowded.yield)
}

// A release that finds nobody asleep stays out of the kernel; one that finds
// a sleeper makes exactly one wake, which ends the sleep.
func TestReleaseWakesOnlySleepers(t *testing.T) {
	r := newRegion(t)
	withPolicies(t, policy{spin: time.Minute}, policy{yield: time.Minute})
	wakesBefore, sleepsBefore := futex.Wakes(), futex.Sleeps()
	for _, n := range []int{2, cpus + 1} { // one participant of each policy waits
		errs := runParticipants(n, func(int) error { return Wait(blockOf(r), n, 10*time.Second, nil) })
		for _, err := range errs {
			require.NoError(t, err)
		}
	}
	assert.Equal(t, wakesBefore, futex.Wakes(), "released pollers with a system call")
	assert.Equal(t, sleepsBefore, futex.Sleeps())

	withPolicies(t, policy{}, policy{})
	done := make(chan error, 1)
	go func() { done <- Wait(blockOf(r), 2, 10*time.Second, nil) }()
	require.Eventually(t, func() bool { return sleepersOf(r) == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, Wait(blockOf(r), 2, time.Second, nil))
	require.NoError(t, <-done)
	assert.Equal(t, wakesBefore+1, futex.Wakes())
	assert.Equal(t, uint32(0), sleepersOf(r))
	_, generation := state(t, blockOf(r))
	assert.Equal(t, uint32(3), generation)
}

// Every phase, in one process: participants released from the PAUSE loop,
// the yield loop and the futex pass each barrier together, round after
// round.
func TestEveryPhaseReleasesExactly(t *testing.T) {
	phases := []struct {
		name string
		p    policy
		n    int
	}{
		// Pollers hold their thread: no more of them than threads run Go.
		{"spin", policy{spin: time.Minute}, 2},
		{"yield", policy{yield: time.Minute}, 2},
		{"sleep", policy{}, 6},
		{"shipped", alone, 2},
		{"shipped crowded", crowded, 6},
	}
	for _, ph := range phases {
		t.Run(ph.name, func(t *testing.T) {
			withPolicies(t, ph.p, ph.p)
			r := newRegion(t)
			const rounds = 300
			errs := runParticipants(ph.n, func(i int) error { return barrierRounds(r, i, ph.n, rounds, 20*time.Second) })
			for i, err := range errs {
				assert.NoError(t, err, "participant %d", i)
			}
			arrivals, generation := state(t, blockOf(r))
			assert.Equal(t, uint32(0), arrivals)
			assert.Equal(t, uint32(rounds), generation)
			assert.Equal(t, uint32(0), sleepersOf(r))
		})
	}
}

// A timeout and Ctrl-C end the wait in whichever phase they find it, the
// arrival taken back, and the block serves a full team afterwards.
func TestTimeoutAndInterruptInEveryPhase(t *testing.T) {
	shippedAlone, shippedCrowded := alone, crowded
	phases := map[string]policy{
		"spin":  {spin: time.Hour},
		"yield": {yield: time.Hour},
		"sleep": {},
	}
	for name, p := range phases {
		t.Run(name, func(t *testing.T) {
			withPolicies(t, p, p)
			r := newRegion(t)
			start := time.Now()
			err := Wait(blockOf(r), 2, 50*time.Millisecond, nil)
			assert.Equal(t, errcode.TimeoutError, errcode.CodeOf(err), "%v", err)
			assert.Less(t, time.Since(start), 20*time.Second, "guards against a hang only")
			arrivals, _ := state(t, blockOf(r))
			assert.Equal(t, uint32(0), arrivals, "the timed-out arrival was taken back")

			var mark interrupt.Mark
			mark.Take() // as a caller's retry loop does: an interrupt from now on is this wait's
			done := make(chan error, 1)
			go func() { done <- Wait(blockOf(r), 2, 0, &mark) }()
			require.Eventually(t, func() bool { a, _ := state(t, blockOf(r)); return a == 1 },
				5*time.Second, time.Millisecond)
			time.Sleep(20 * time.Millisecond) // inside the phase by now
			interrupt.Raise()
			select {
			case err := <-done:
				assert.Equal(t, errcode.Interrupted, errcode.CodeOf(err), "%v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the interrupt did not end the wait")
			}
			arrivals, generation := state(t, blockOf(r))
			assert.Equal(t, uint32(0), arrivals, "the interrupted arrival was taken back")
			assert.Equal(t, uint32(0), generation)
			assert.Equal(t, uint32(0), sleepersOf(r))

			withPolicies(t, shippedAlone, shippedCrowded)
			errs := runParticipants(2, func(int) error { return Wait(blockOf(r), 2, 10*time.Second, nil) })
			for _, err := range errs {
				require.NoError(t, err)
			}
		})
	}
}
