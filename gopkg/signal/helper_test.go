package signal

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/signal/shmtest"
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

// startChild starts a child process playing role on r; it is killed if the
// test ends first.
func startChild(t testing.TB, r *shmtest.Region, role string, args ...int) *shmtest.Child {
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = strconv.Itoa(a)
	}
	c, err := shmtest.Start(r, childLimit, role, strs...)
	require.NoError(t, err)
	t.Cleanup(c.Kill)
	return c
}

// waitChild requires that the child exits successfully and returns its
// output.
func waitChild(t testing.TB, c *shmtest.Child) string {
	out, err := c.Wait()
	require.NoError(t, err, "child output:\n%s", out)
	return out
}

// TestHelperProcess is the body of the child processes; in a normal test
// run it does nothing.
func TestHelperProcess(t *testing.T) {
	role, args, isChild := shmtest.Role()
	if !isChild {
		t.Skip("runs only as a child process")
	}
	shmtest.Exit(runRole(role, args))
}

func runRole(role string, args []string) error {
	nums := make([]int, len(args))
	for i, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("bad argument %q", a)
		}
		nums[i] = n
	}
	r, err := shmtest.ChildRegion()
	if err != nil {
		return err
	}
	defer r.Close()
	play, ok := childRoles[role]
	if !ok {
		return fmt.Errorf("unknown role %q", role)
	}
	return play(r, nums)
}

// childRoles are the parts a child process can play; each takes the shared
// region and integer arguments.
var childRoles = map[string]func(r *shmtest.Region, args []int) error{
	"pong":      playPong,
	"fetchadd":  playFetchAdd,
	"idle":      playIdle,
	"ring":      playRing,
	"broadcast": playBroadcast,
	"hammer":    playHammer,
}
