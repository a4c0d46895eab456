package barrier

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// Test region layout: the barrier block, the segment's wake block, then one
// int32 round counter per participant.
const (
	blockAt    = 0
	wakeAt     = BlockSize
	roundsAt   = 2 * BlockSize
	maxParts   = 64
	regionSize = roundsAt + 4*maxParts
	childLimit = 50 * time.Second
)

func blockOf(r *shmtest.Region) uintptr { return r.Addr() + blockAt }

func wakeOf(r *shmtest.Region) uintptr { return r.Addr() + wakeAt }

// sleepersOf is how many participants sleep in the kernel on the region's
// barrier.
func sleepersOf(r *shmtest.Region) uint32 { return atomic.LoadUint32(sleepersWord(blockOf(r))) }

func roundOf(r *shmtest.Region, i int) uintptr { return r.Addr() + roundsAt + uintptr(i)*4 }

func newRegion(t testing.TB) *shmtest.Region {
	r, err := shmtest.NewRegion(regionSize)
	require.NoError(t, err)
	require.NoError(t, Init(blockOf(r)))
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func startChild(t testing.TB, r *shmtest.Region, role string, args ...int) *shmtest.Child {
	return shmtest.StartT(t, r, childLimit, role, args...)
}

func waitChild(t testing.TB, c *shmtest.Child) string { return shmtest.WaitT(t, c) }

// TestHelperProcess is the body of the child processes; in a normal test
// run it does nothing.
func TestHelperProcess(t *testing.T) { shmtest.Serve(t, childRoles) }

var childRoles = shmtest.Roles{
	"rounds":        playRounds,
	"until-timeout": playUntilTimeout,
	"bench":         playBench,
}
