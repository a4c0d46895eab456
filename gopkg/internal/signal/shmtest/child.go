package shmtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The environment a child reads its job from.
const (
	roleEnv = "SHMTEST_ROLE"
	argsEnv = "SHMTEST_ARGS"
)

// HelperTest is the test function a package using Start must define; it
// calls Role and, in a child, plays the role and exits.
const HelperTest = "TestHelperProcess"

// Child is a re-executed test binary working on a shared region.
type Child struct {
	cmd     *exec.Cmd
	out     bytes.Buffer
	exited  bool
	waitErr error
}

// Start runs the test binary again as a child that maps region and plays
// role with args. The child runs only HelperTest and is killed by the test
// framework after timeout.
func Start(region *Region, timeout time.Duration, role string, args ...string) (*Child, error) {
	c := &Child{}
	c.cmd = exec.Command(os.Args[0], "-test.run=^"+HelperTest+"$", "-test.timeout="+timeout.String())
	c.cmd.Env = append(os.Environ(), roleEnv+"="+role, argsEnv+"="+strings.Join(args, ","),
		// A race-enabled child would otherwise linger a second at exit.
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	c.cmd.ExtraFiles = []*os.File{region.file}
	c.cmd.Stdout = &c.out
	c.cmd.Stderr = &c.out
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", role, err)
	}
	return c, nil
}

// Wait waits for the child to exit and returns what it printed; the error
// is non-nil when it failed.
// Wait may be called again; it returns the same.
func (c *Child) Wait() (string, error) {
	if !c.exited {
		c.waitErr = c.cmd.Wait()
		c.exited = true
	}
	return c.out.String(), c.waitErr
}

// Kill ends a child that is still running (cleanup after a failed test) and
// reaps it.
func (c *Child) Kill() {
	if !c.exited {
		_ = c.cmd.Process.Kill()
		_, _ = c.Wait()
	}
}

// CPUTime is the user plus system CPU time of the exited child.
func (c *Child) CPUTime() time.Duration {
	return c.cmd.ProcessState.UserTime() + c.cmd.ProcessState.SystemTime()
}

// Role tells a process whether it is a child started by Start and, if so,
// its role and arguments.
func Role() (role string, args []string, isChild bool) {
	role = os.Getenv(roleEnv)
	if role == "" {
		return "", nil, false
	}
	if a := os.Getenv(argsEnv); a != "" {
		args = strings.Split(a, ",")
	}
	return role, args, true
}

// Exit ends a child: status 0 when err is nil, else 1 with err printed.
func Exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "child failed:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
