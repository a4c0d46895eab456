package heap

import (
	"io/fs"
	"os"
	"strings"
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
	assert.Regexp(t, segmentPrefix(os.Getpid())+"[0-9a-f]{8}$", mine.Name)
	assert.Equal(t, uintptr(SyncAreaSize+1<<20+pageSize), mine.Size)
	assert.GreaterOrEqual(t, mine.UserSize(), uintptr(memSize))
	assert.Equal(t, mine.Base, mine.SyncBase())
	assert.Equal(t, mine.Base+SyncAreaSize, mine.UserBase())
	assert.Zero(t, mine.UserBase()%UserAlign)

	peer, err := Attach(mine.Name)
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

func TestUnlinkRemovesTheNameKeepsTheMapping(t *testing.T) {
	mine, err := Create(4096)
	require.NoError(t, err)
	closeAtEnd(t, mine)
	peer, err := Attach(mine.Name)
	require.NoError(t, err)
	closeAtEnd(t, peer)

	require.NoError(t, mine.Unlink())
	assert.False(t, shmExists(mine.Name))
	require.NoError(t, mine.Unlink(), "idempotent")
	require.NoError(t, peer.Unlink(), "already gone counts as unlinked")

	mine.Bytes()[SyncAreaSize] = 5
	assert.Equal(t, byte(5), peer.Bytes()[SyncAreaSize])
	_, err = Attach(mine.Name)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, mine.Close())
	require.NoError(t, peer.Close())
}

func TestCloseUnlinksOnlyWhatItCreated(t *testing.T) {
	fds := openFDs(t)
	mine, err := Create(4096)
	require.NoError(t, err)
	peer, err := Attach(mine.Name)
	require.NoError(t, err)

	require.NoError(t, peer.Close())
	assert.True(t, shmExists(mine.Name), "a peer's Close leaves the name")
	assert.Zero(t, peer.Base)
	assert.Zero(t, peer.UserBase())
	assert.Zero(t, peer.UserSize())
	assert.Nil(t, peer.Bytes())
	require.NoError(t, peer.Close(), "idempotent")

	require.NoError(t, mine.Close())
	assert.False(t, shmExists(mine.Name), "the creator's Close unlinks")
	require.NoError(t, mine.Close(), "idempotent")
	require.NoError(t, mine.Unlink(), "after Close, still idempotent")
	assert.Empty(t, ourShmFiles(t))
	assert.Equal(t, fds, openFDs(t))
}

func TestAttachMissingLeavesNothing(t *testing.T) {
	before, fds := ourShmFiles(t), openFDs(t)
	name := SegmentName(os.Getpid())
	s, err := Attach(name)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), name)
	assert.Equal(t, before, ourShmFiles(t))
	assert.Equal(t, fds, openFDs(t))
}

func TestCreateExistingNameLeavesTheOriginal(t *testing.T) {
	mine, err := Create(4096)
	require.NoError(t, err)
	closeAtEnd(t, mine)
	mine.Bytes()[SyncAreaSize] = 9
	before, fds := ourShmFiles(t), openFDs(t)

	s, err := CreateNamed(mine.Name, 8192)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.ErrorIs(t, err, fs.ErrExist)
	assert.Equal(t, before, ourShmFiles(t))
	assert.Equal(t, fds, openFDs(t))

	peer, err := Attach(mine.Name)
	require.NoError(t, err, "the failed create must not have removed the name")
	closeAtEnd(t, peer)
	assert.Equal(t, mine.Size, peer.Size)
	assert.Equal(t, byte(9), peer.Bytes()[SyncAreaSize])
}

func TestCreateBadSizesLeaveNothing(t *testing.T) {
	before := ourShmFiles(t)
	for _, memSize := range []uintptr{0, ^uintptr(0), ^uintptr(0) - SyncAreaSize} {
		s, err := Create(memSize)
		assert.Nil(t, s)
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "memSize %d", memSize)
	}
	// Valid, but more than /dev/shm holds: refused before anything is committed.
	s, err := Create(1 << 50)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.Equal(t, before, ourShmFiles(t))
}

func TestAttachNonHeapSegmentFails(t *testing.T) {
	name := SegmentName(os.Getpid())
	base, err := native.CreateSegment(name, SyncAreaSize)
	require.NoError(t, err)
	defer func() {
		require.NoError(t, native.DetachSegment(base, SyncAreaSize))
		require.NoError(t, native.UnlinkSegment(name))
	}()
	fds := openFDs(t)
	s, err := Attach(name)
	assert.Nil(t, s)
	assert.Equal(t, errcode.SmemError, errcode.CodeOf(err))
	assert.ErrorContains(t, err, "no heap segment")
	assert.Equal(t, fds, openFDs(t))
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(maps), shmDir+name), "only the creator's mapping remains")
}
