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
		if err := Wait(blockOf(r), n, wakeOf(r), timeout, nil); err != nil {
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

func playRounds(r *shmtest.Region, args []int) error {
	return barrierRounds(r, args[0], args[1], args[2], childTimeout)
}

func TestBarrierAcrossProcesses(t *testing.T) {
	const rounds = 2000
	for _, n := range []int{2, 4, 8} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r := newRegion(t)
			children := make([]*shmtest.Child, n)
			for i := range children {
				children[i] = startChild(t, r, "rounds", i, n, rounds)
			}
			for _, c := range children {
				waitChild(t, c)
			}
			arrivals, generation := split(atomic.LoadUint64(statePtr(blockOf(r))))
			assert.Equal(t, uint32(0), arrivals)
			assert.Equal(t, uint32(rounds), generation)
		})
	}
}

// playUntilTimeout passes barriers until one times out, which must happen
// (a participant is killed) and must be a TimeoutError.
func playUntilTimeout(r *shmtest.Region, args []int) error {
	me, n := args[0], args[1]
	for k := 1; ; k++ {
		err := Wait(blockOf(r), n, wakeOf(r), time.Second, nil)
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
