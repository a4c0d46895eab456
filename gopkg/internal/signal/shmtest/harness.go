package shmtest

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// Roles maps the name of a part a child process can play to its code, which
// gets the shared region and integer arguments.
type Roles map[string]func(r *Region, args []int) error

// Serve is the body of a package's TestHelperProcess: in a child started by
// StartT it plays the role and exits the process; in a normal test run it
// skips.
func Serve(t *testing.T, roles Roles) {
	role, args, isChild := Role()
	if !isChild {
		t.Skip("runs only as a child process")
	}
	Exit(play(roles, role, args))
}

func play(roles Roles, role string, args []string) error {
	nums := make([]int, len(args))
	for i, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("bad argument %q", a)
		}
		nums[i] = n
	}
	r, err := ChildRegion()
	if err != nil {
		return err
	}
	defer r.Close()
	part, ok := roles[role]
	if !ok {
		return fmt.Errorf("unknown role %q", role)
	}
	return part(r, nums)
}

// StartT starts a child playing role with integer args on r, failing the test
// if it cannot; the child is killed if the test ends first.
func StartT(t testing.TB, r *Region, limit time.Duration, role string, args ...int) *Child {
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = strconv.Itoa(a)
	}
	c, err := Start(r, limit, role, strs...)
	if err != nil {
		t.Fatalf("starting child %q: %v", role, err)
	}
	t.Cleanup(c.Kill)
	return c
}

// WaitT requires that the child exits successfully and returns its output.
func WaitT(t testing.TB, c *Child) string {
	t.Helper()
	out, err := c.Wait()
	if err != nil {
		t.Fatalf("child failed: %v\nchild output:\n%s", err, out)
	}
	return out
}
