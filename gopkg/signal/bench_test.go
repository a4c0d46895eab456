package signal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/signal/shmtest"
)

// One-way latency of a signal between two processes: the parent sets ping,
// the child answers on pong; a round trip is two one-way hand-offs.
func BenchmarkPingPongAcrossProcesses(b *testing.B) {
	r := newRegion(b)
	w := wakeBlock(r)
	child := startChild(b, r, "pong", b.N)
	// Let the child start before the clock runs.
	require.NoError(b, Set32(wordAt(r, pingWord), w, 1))
	_, err := WaitUntil32(wordAt(r, pongWord), w, CmpEQ, 1, childWait)
	require.NoError(b, err)
	b.ResetTimer()
	start := time.Now()
	for i := int32(2); i <= int32(b.N); i++ {
		require.NoError(b, Set32(wordAt(r, pingWord), w, i))
		_, err := WaitUntil32(wordAt(r, pongWord), w, CmpEQ, i, childWait)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(2*b.N), "ns/one-way")
	b.StopTimer()
	waitChild(b, child)
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
	_, err := WaitUntil64(a, w, CmpGT, 0, childWait) // the child is running
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
