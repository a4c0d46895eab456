package signal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// Test region layout: the wake block at offset 0, then words, each on a
// cache line of its own, then a table of int32 slots.
const (
	lineSize   = 64
	wordsAt    = lineSize
	wordCount  = 32
	slotsAt    = wordsAt + wordCount*lineSize
	slotCount  = 1 << 16
	regionSize = slotsAt + slotCount*4
	childLimit = 50 * time.Second
)

func wakeBlock(r *shmtest.Region) uintptr { return r.Addr() }

func wordAt(r *shmtest.Region, i int) uintptr { return r.Addr() + wordsAt + uintptr(i)*lineSize }

func slotAt(r *shmtest.Region, i int) uintptr { return r.Addr() + slotsAt + uintptr(i)*4 }

// newRegion gives a test a shared region that is unmapped when it ends.
func newRegion(t testing.TB) *shmtest.Region {
	r, err := shmtest.NewRegion(regionSize)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func startChild(t testing.TB, r *shmtest.Region, role string, args ...int) *shmtest.Child {
	return shmtest.StartT(t, r, childLimit, role, args...)
}

func waitChild(t testing.TB, c *shmtest.Child) string { return shmtest.WaitT(t, c) }

// waitUntil64 waits on a 64-bit word through Wait, as the p2p waits do (the
// runtime itself has no 64-bit WaitUntil).
func waitUntil64(addr, waiters uintptr, cmp int, value int64, timeout time.Duration) (int64, error) {
	ok, err := predicate(cmp, value)
	if err != nil {
		return 0, err
	}
	if err := CheckAligned64(addr); err != nil {
		return 0, err
	}
	var v int64
	err = Wait(waiters, func() bool { v = Fetch64(addr); return ok(v) }, timeout, nil)
	return v, err
}

// TestHelperProcess is the body of the child processes; in a normal test
// run it does nothing.
func TestHelperProcess(t *testing.T) { shmtest.Serve(t, childRoles) }

// childRoles are the parts a child process can play; each takes the shared
// region and integer arguments.
var childRoles = shmtest.Roles{
	"pong":      playPong,
	"fetchadd":  playFetchAdd,
	"idle":      playIdle,
	"ring":      playRing,
	"broadcast": playBroadcast,
	"hammer":    playHammer,
}
