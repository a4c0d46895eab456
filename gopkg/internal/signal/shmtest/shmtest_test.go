package shmtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelperProcess: the child writes its arguments into the region and
// prints the address it mapped it at, or fails on request.
func TestHelperProcess(t *testing.T) {
	role, args, isChild := Role()
	if !isChild {
		t.Skip("runs only as a child process")
	}
	switch role {
	case "fail":
		Exit(errors.New("asked to fail"))
	case "sleep":
		time.Sleep(time.Minute)
		Exit(nil)
	}
	r, err := ChildRegion()
	if err != nil {
		Exit(err)
	}
	copy(r.mem, strings.Join(args, "+"))
	fmt.Printf("%#x", r.Addr())
	Exit(r.Close())
}

func TestRegionIsSharedWithChild(t *testing.T) {
	r, err := NewRegion(1 << 16)
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	assert.Equal(t, 1<<16, r.Size())
	assert.Equal(t, byte(0), r.mem[len(r.mem)-1], "zeroed")

	c, err := Start(r, 10*time.Second, "write", "a", "b")
	require.NoError(t, err)
	out, err := c.Wait()
	require.NoError(t, err, out)
	assert.Equal(t, "a+b", string(r.mem[:3]))
	t.Logf("parent maps the region at %#x, the child at %s", r.Addr(), out)
	assert.NotEqual(t, fmt.Sprintf("%#x", r.Addr()), out)
	assert.Less(t, c.CPUTime(), 10*time.Second)
}

func TestFailingChildReportsError(t *testing.T) {
	r, err := NewRegion(4096)
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	c, err := Start(r, 10*time.Second, "fail")
	require.NoError(t, err)
	out, err := c.Wait()
	assert.Error(t, err)
	assert.Contains(t, out, "asked to fail")
}

func TestKillEndsARunningChild(t *testing.T) {
	r, err := NewRegion(4096)
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	// The child sleeps a minute and its test timeout is longer still: Wait
	// saying "killed" (not the timeout's exit status) means Kill ended it.
	c, err := Start(r, 2*time.Minute, "sleep")
	require.NoError(t, err)
	c.Kill()
	c.Kill() // a second Kill is harmless
	_, err = c.Wait()
	assert.ErrorContains(t, err, "killed")
}

func TestRegionAddrIsFirstByte(t *testing.T) {
	r, err := NewRegion(4096)
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	addr := r.Addr()
	**(**byte)(unsafe.Pointer(&addr)) = 7
	assert.Equal(t, byte(7), r.mem[0])
}
