package engine

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const overlapSize = 64 << 20

// TestNBIOverlaps: an NBI put of 64 MiB returns before any of it is copied
// (here no worker runs yet, so a put that copied or waited itself would
// show it), the caller copies nothing, and Quiet waits for the workers and
// finds the data right. Shown by what happened, not by how fast.
func TestNBIOverlaps(t *testing.T) {
	h := mmapHeaps(t, 2, overlapSize)
	src := mmapBytes(t, overlapSize)
	copy(src, randomBytes(overlapSize, 4))
	e, err := newCopyEngine(h.config())
	require.NoError(t, err)
	started := false
	defer func() {
		if !started {
			e.start() // Close waits for queued transfers: someone must run them
		}
		_ = e.Close()
	}()

	returned := make(chan error, 1)
	go func() { returned <- e.PutNBI(1, 0, addrOf(src), overlapSize) }()
	select {
	case err := <-returned:
		require.NoError(t, err)
	case <-time.After(time.Minute): // a hang guard, not a speed
		t.Fatal("PutNBI waited for the copy")
	}
	require.Zero(t, e.callerCopied.Load(), "the NBI caller copied chunks itself")
	require.True(t, bytes.Equal(make([]byte, overlapSize), h.mem[1]), "data landed before any worker ran")

	e.start()
	started = true
	require.NoError(t, e.Quiet())
	require.True(t, bytes.Equal(src, h.mem[1]), "data incomplete after Quiet")
	require.Zero(t, e.callerCopied.Load())
}

// TestBigTransferUsesEveryWorker: chunks of one transfer are spread over the
// workers, and a blocking caller copies chunks too instead of only waiting.
func TestBigTransferUsesEveryWorker(t *testing.T) {
	h := mmapHeaps(t, 2, overlapSize)
	src := mmapBytes(t, overlapSize)
	tr := openEngine(t, engineKinds[1], h.config())
	e := tr.(*copyEngine)
	copied := func() (total uint64) {
		for w := range e.copied {
			total += e.copied[w].Load()
		}
		return total + e.callerCopied.Load()
	}
	require.NoError(t, tr.PutNBI(1, 0, addrOf(src), overlapSize))
	require.NoError(t, tr.Quiet())
	for w := range e.copied {
		require.NotZero(t, e.copied[w].Load(), "worker %d copied no chunk", w)
	}
	total := copied()
	require.Equal(t, uint64(overlapSize/DefaultChunkSize), total)

	// A new chunk size applies to the next transfer; a blocking put's chunks
	// are shared between its caller and the workers.
	require.NoError(t, tr.SetChunkSize(4<<20))
	require.NoError(t, tr.Put(1, 0, addrOf(src), overlapSize))
	require.Equal(t, total+overlapSize/(4<<20), copied())
	require.NotZero(t, e.callerCopied.Load(), "the blocking caller copied nothing itself")
}

// TestFenceCompletesEarlierPuts: the copy engine's Fence waits for the NBI
// puts before it, so nothing issued later can overtake them.
func TestFenceCompletesEarlierPuts(t *testing.T) {
	const size = 32 << 20
	h := mmapHeaps(t, 2, size)
	first := mmapBytes(t, size)
	copy(first, randomBytes(size, 5))
	second := randomBytes(2<<20, 6)
	tr := openEngine(t, engineKinds[1], h.config())

	require.NoError(t, tr.PutNBI(1, 0, addrOf(first), size))
	require.NoError(t, tr.Fence())
	require.True(t, bytes.Equal(first, h.mem[1]), "Fence returned before the earlier put completed")

	// A later put over the tail of an earlier one wins after a Fence.
	for range 5 {
		require.NoError(t, tr.PutNBI(1, 0, addrOf(first), size))
		require.NoError(t, tr.Fence())
		require.NoError(t, tr.PutNBI(1, size-uintptr(len(second)), addrOf(second), uintptr(len(second))))
		require.NoError(t, tr.Quiet())
		require.True(t, bytes.Equal(second, h.mem[1][size-len(second):]))
	}
}

// TestCompletionDrainIsNotStarved: a drain waits for what was registered
// before it, not for transfers registered after it.
func TestCompletionDrainIsNotStarved(t *testing.T) {
	var c completion
	c.init()
	early := c.register()
	drained := make(chan struct{})
	go func() {
		c.drain()
		close(drained)
	}()
	// Once the drain has sealed the epoch, new registrations go elsewhere.
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.current != early
	}, 5*time.Second, time.Millisecond)
	late := c.register()
	require.NotSame(t, early, late)
	select {
	case <-drained:
		t.Fatal("drain returned with an earlier transfer outstanding")
	case <-time.After(20 * time.Millisecond):
	}
	c.complete(early, nil)
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("drain waited for a transfer registered after it")
	}
	c.complete(late, nil)
	c.drain()
	c.mu.Lock()
	require.Nil(t, c.current.prev, "completed epochs are not released")
	c.mu.Unlock()
}

// TestCompletionDrainWaitsForOlderEpochs: a second drain also waits for the
// epoch an earlier, still waiting drain sealed.
func TestCompletionDrainWaitsForOlderEpochs(t *testing.T) {
	var c completion
	c.init()
	first := c.register()
	go c.drain()
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.current != first
	}, 5*time.Second, time.Millisecond)
	drained := make(chan struct{})
	go func() {
		c.drain()
		close(drained)
	}()
	select {
	case <-drained:
		t.Fatal("second drain ignored the first epoch")
	case <-time.After(20 * time.Millisecond):
	}
	c.complete(first, nil)
	<-drained
}

func TestWorkQueueCompacts(t *testing.T) {
	var q workQueue
	q.init()
	t1 := &transfer{}
	for range 1000 {
		q.push(t1, 3)
		for range 2 {
			require.Same(t, t1, q.pop())
		}
	}
	require.Equal(t, 1000, len(q.items)-q.head)
	require.Less(t, len(q.items), 2100)
	q.stop()
	for range 1000 {
		require.Same(t, t1, q.pop())
	}
	require.Nil(t, q.pop())
}
