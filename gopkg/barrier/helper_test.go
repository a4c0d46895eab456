package barrier

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/signal/shmtest"
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

func roundOf(r *shmtest.Region, i int) uintptr { return r.Addr() + roundsAt + uintptr(i)*4 }

func newRegion(t testing.TB) *shmtest.Region {
	r, err := shmtest.NewRegion(regionSize)
	require.NoError(t, err)
	require.NoError(t, Init(blockOf(r)))
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

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

var childRoles = map[string]func(r *shmtest.Region, args []int) error{
	"rounds":        playRounds,
	"until-timeout": playUntilTimeout,
	"bench":         playBench,
}
