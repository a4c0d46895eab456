package signal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/signal/shmtest"
)

// One-way latency of a signal between two processes: the parent sets ping,
// the child answers on pong; a round trip is two one-way hand-offs.
// "futex-only" sends every wait straight to the kernel (both sides), which
// is the cost of a hand-off to a sleeping PE and a stress of the wake
// protocol.
func BenchmarkPingPongAcrossProcesses(b *testing.B) {
	for _, c := range []struct {
		name         string
		sleepy, wide int
	}{{"32", 0, 0}, {"64", 0, 1}, {"32-futex-only", 1, 0}, {"64-futex-only", 1, 1}} {
		b.Run(c.name, func(b *testing.B) {
			r := newRegion(b)
			if c.sleepy == 1 {
				sleepOnly(b)
			}
			child := startChild(b, r, "pong", b.N+1, c.sleepy, c.wide)
			p := pingPong{r: r, in: pongWord, out: pingWord, wide: c.wide == 1}
			// Let the child start before the clock runs.
			require.NoError(b, p.send(1))
			require.NoError(b, p.await(1))
			b.ResetTimer()
			start := time.Now()
			for i := int64(2); i <= int64(b.N)+1; i++ {
				if err := p.send(i); err != nil {
					b.Fatal(err)
				}
				if err := p.await(i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(2*b.N), "ns/one-way")
			b.StopTimer()
			waitChild(b, child)
		})
	}
}

func BenchmarkFetchAdd64(b *testing.B) {
	r := newRegion(b)
	w, a := wakeBlock(r), wordAt(r, 0)
	for i := 0; i < b.N; i++ {
		if _, err := FetchAdd64(a, w, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFetchAdd32(b *testing.B) {
	r := newRegion(b)
	w, a := wakeBlock(r), wordAt(r, 0)
	for i := 0; i < b.N; i++ {
		if _, err := FetchAdd32(a, w, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// FetchAdd on one word while another process hammers it too.
func BenchmarkFetchAdd64Contended(b *testing.B) {
	r := newRegion(b)
	w, a := wakeBlock(r), wordAt(r, counter64)
	child := startChild(b, r, "hammer")
	_, err := waitUntil64(a, w, CmpGT, 0, childWait) // the child is running
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FetchAdd64(a, w, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.NoError(b, Set32(wordAt(r, stopWord), w, 1))
	waitChild(b, child)
}

const stopWord = 5

func playHammer(r *shmtest.Region, _ []int) error {
	w := wakeBlock(r)
	for Fetch32(wordAt(r, stopWord)) == 0 {
		if err := Add64(wordAt(r, counter64), w, 1); err != nil {
			return err
		}
	}
	return nil
}

// A wait whose condition already holds: the Ctrl-C mark is never taken, so
// an interruptible wait costs the same as one that is not (compare the two).
func BenchmarkSatisfiedWait(b *testing.B) {
	r := newRegion(b)
	w, a := wakeBlock(r), wordAt(r, 0)
	require.NoError(b, Set32(a, w, 1))
	for _, c := range []struct {
		name string
		mark func() *interrupt.Mark
	}{
		{"not-interruptible", func() *interrupt.Mark { return nil }},
		{"interruptible", func() *interrupt.Mark { return new(interrupt.Mark) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			mark := c.mark()
			for b.Loop() {
				if _, err := WaitUntil32(a, w, CmpEQ, 1, 0, mark); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A put with nobody asleep on the target: the wake costs a fence and one
// load of the sleeper count.
func BenchmarkWakeStoresNobodySleeps(b *testing.B) {
	r := newRegion(b)
	w := wakeBlock(r)
	for b.Loop() {
		WakeStores(w)
	}
}
