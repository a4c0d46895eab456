package barrier

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// playBench passes rounds barriers after a first, untimed one; participant
// 0 prints the mean time per barrier in nanoseconds.
func playBench(r *shmtest.Region, args []int) error {
	me, n, rounds := args[0], args[1], args[2]
	if err := Wait(blockOf(r), n, childTimeout, nil); err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < rounds; i++ {
		if err := Wait(blockOf(r), n, childTimeout, nil); err != nil {
			return err
		}
	}
	if me == 0 {
		fmt.Printf("%d\n", time.Since(start).Nanoseconds()/int64(rounds))
	}
	return nil
}

// BenchmarkBarrier measures one barrier among n processes; ns/op is the
// mean measured inside the processes, process start-up excluded.
func BenchmarkBarrier(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			r := newRegion(b)
			children := make([]*shmtest.Child, n)
			for i := range children {
				children[i] = startChild(b, r, "bench", i, n, b.N)
			}
			var perBarrier float64
			for i, c := range children {
				out := waitChild(b, c)
				if i == 0 {
					_, err := fmt.Sscanf(strings.TrimSpace(out), "%g", &perBarrier)
					require.NoError(b, err, "child output %q", out)
				}
			}
			b.ReportMetric(perBarrier, "ns/op")
		})
	}
}
