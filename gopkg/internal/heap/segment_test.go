package heap

import (
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/native"
)

func TestCreateAttachShareTheHeap(t *testing.T) {
	const memSize = 1<<20 + 100
	mine, err := Create(memSize)
	require.NoError(t, err)
	closeAtEnd(t, mine)
	assert.Regexp(t, fmt.Sprintf("^shmem-%d-[0-9a-f]{8}$", os.Getpid()), mine.Handle.Label)
	assert.NoFileExists(t, "/dev/shm/"+mine.Handle.Label, "a segment has no name in /dev/shm")
	assert.Equal(t, uintptr(SyncAreaSize+1<<20+pageSize), mine.Size)
	assert.GreaterOrEqual(t, mine.UserSize(), uintptr(memSize))
	assert.Equal(t, mine.Base, mine.SyncBase())
	assert.Equal(t, mine.Base+SyncAreaSize, mine.UserBase())
	assert.Zero(t, mine.UserBase()%UserAlign)

	peer, err := Attach(mine.Handle)
	require.NoError(t, err)
	closeAtEnd(t, peer)
	assert.Equal(t, mine.Size, peer.Size)
	assert.Equal(t, mine.UserSize(), peer.UserSize())
	assert.Zero(t, peer.UserBase()%UserAlign)
	assert.NotEqual(t, mine.Base, peer.Base)

	// Write through one mapping, read through the other, in both areas.
	user := native.View(mine.UserBase(), mine.UserSize())
	user[0], user[len(user)-1] = 0x11, 0x22
	peer.Bytes()[0] = 0x33 // the sync area
	peerUser := native.View(peer.UserBase(), peer.UserSize())
	assert.Equal(t, byte(0x11), peerUser[0])
	assert.Equal(t, byte(0x22), peerUser[len(peerUser)-1])
	assert.Equal(t, byte(0x33), mine.Bytes()[0])
}

func TestReleaseEndsAttachingKeepsTheMapping(t *testing.T) {
	mine, err := Create(4096)
	require.NoError(t, err)
	closeAtEnd(t, mine)
	peer, err := Attach(mine.Handle)
	require.NoError(t, err)
	closeAtEnd(t, peer)

	require.NoError(t, mine.Release())
	fds, _ := heldHere(t, mine.Handle.Label)
	assert.Zero(t, fds)
	require.NoError(t, mine.Release(), "idempotent")
	require.NoError(t, peer.Release(), "nothing to release for a peer")

	mine.Bytes()[SyncAreaSize] = 5
	assert.Equal(t, byte(5), peer.Bytes()[SyncAreaSize])
	_, err = Attach(mine.Handle)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, mine.Close())
	require.NoError(t, peer.Close())
}

// Close leaves nothing of the segment in this process: no descriptor, no
// mapping. With nobody else holding it, the memory is gone.
func TestCloseLeavesNothingHeld(t *testing.T) {
	fds := openFDs(t)
	mine, err := Create(4096)
	require.NoError(t, err)
	label := mine.Handle.Label
	peer, err := Attach(mine.Handle)
	require.NoError(t, err)
	held, maps := heldHere(t, label)
	assert.Equal(t, 1, held)
	assert.Equal(t, 2, maps)

	require.NoError(t, peer.Close())
	assert.Zero(t, peer.Base)
	assert.Zero(t, peer.UserBase())
	assert.Zero(t, peer.UserSize())
	assert.Nil(t, peer.Bytes())
	require.NoError(t, peer.Close(), "idempotent")
	_, err = Attach(mine.Handle)
	require.NoError(t, err, "a peer's Close leaves the creator's handle usable")

	require.NoError(t, mine.Close())
	require.NoError(t, mine.Close(), "idempotent")
	require.NoError(t, mine.Release(), "after Close, still idempotent")
	held, _ = heldHere(t, label)
	assert.Zero(t, held)
	assert.Equal(t, fds, openFDs(t))
}

func TestAttachStaleHandleLeavesNothing(t *testing.T) {
	mine, err := Create(4096)
	require.NoError(t, err)
	h := mine.Handle
	require.NoError(t, mine.Close())
	fds := openFDs(t)
	s, err := Attach(h)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), h.Label)
	assert.Equal(t, fds, openFDs(t))
}

func TestCreateBadSizesLeaveNothing(t *testing.T) {
	fds := openFDs(t)
	for _, memSize := range []uintptr{0, ^uintptr(0), ^uintptr(0) - SyncAreaSize} {
		s, err := Create(memSize)
		assert.Nil(t, s)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "memSize %d", memSize)
	}
	// Valid, but more than the machine's memory: refused before anything is committed.
	s, err := Create(1 << 50)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.Equal(t, fds, openFDs(t))
}

func TestAttachNonHeapSegmentFails(t *testing.T) {
	label := segmentLabel(os.Getpid())
	base, h, err := native.CreateSegment(label, SyncAreaSize)
	require.NoError(t, err)
	defer func() {
		require.NoError(t, native.DetachSegment(base, SyncAreaSize))
		require.NoError(t, native.ReleaseSegment(h))
	}()
	fds := openFDs(t)
	s, err := Attach(h)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.ErrorContains(t, err, "no heap segment")
	assert.Equal(t, fds, openFDs(t))
	_, maps := heldHere(t, label)
	assert.Equal(t, 1, maps, "only the creator's mapping remains")
}

func TestAttachRefusesWhatIsNoHeapLabel(t *testing.T) {
	base, h, err := native.CreateSegment("not-a-heap", 2*SyncAreaSize)
	require.NoError(t, err)
	defer func() {
		require.NoError(t, native.DetachSegment(base, 2*SyncAreaSize))
		require.NoError(t, native.ReleaseSegment(h))
	}()
	s, err := Attach(h)
	assert.Nil(t, s)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, maps := heldHere(t, "not-a-heap")
	assert.Equal(t, 1, maps, "nothing mapped")
}
