package job

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exitPEEnv makes this test binary a PE of TestGlobalExitEndsEveryPE:
// "rank,size,addr".
const exitPEEnv = "SHMEM_JOB_TEST_EXIT_PE"

// A global exit ends every process of the job with the caller's status:
// real processes, since it ends them. PE 1 calls it; PEs 0 and 2 sleep in a
// signal wait that nothing would end otherwise.
func TestGlobalExitEndsEveryPE(t *testing.T) {
	if spec := os.Getenv(exitPEEnv); spec != "" {
		os.Exit(runExitPE(spec))
	}
	const n, status = 3, 7
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for rank := range n {
		cmds[rank] = exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGlobalExitEndsEveryPE$")
		cmds[rank].Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%s", exitPEEnv, rank, n, addr))
		outs[rank] = &bytes.Buffer{}
		cmds[rank].Stdout, cmds[rank].Stderr = outs[rank], outs[rank]
		require.NoError(t, cmds[rank].Start())
	}
	for rank, cmd := range cmds {
		err := cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "PE %d: %s", rank, outs[rank])
		assert.Equal(t, status, exit.ExitCode(), "PE %d: %s", rank, outs[rank])
	}
}

// runExitPE is one PE of the test above; its return value is its exit
// status when the global exit did not end it first.
func runExitPE(spec string) int {
	parts := strings.SplitN(spec, ",", 3)
	rank, _ := strconv.Atoi(parts[0])
	size, _ := strconv.Atoi(parts[1])
	j, err := Start(Options{Rank: rank, Size: size, MemSize: 1 << 16, Addr: parts[2], Engine: EngineMTE,
		InitTimeout: 60 * time.Second, OpTimeout: 60 * time.Second}, nil, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		return 90
	}
	if err := j.BarrierAll(); err != nil {
		fmt.Fprintln(os.Stderr, "barrier:", err)
		return 91
	}
	if rank == 1 {
		j.GlobalExit(7)
		return 92 // GlobalExit does not return
	}
	_, err = j.SignalWaitUntil(j.HeapBase(heap.DeviceSide), signal.CmpEQ, 1)
	if j.Exiting() {
		select {} // PE 1 left first; the notice's exit is on its way
	}
	fmt.Fprintln(os.Stderr, "the wait ended without a global exit:", err)
	return 93
}
