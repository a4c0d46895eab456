package native

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateAttachShareMemory(t *testing.T) {
	name := testSegmentName(t)
	const size = 3*4096 + 100 // not a page multiple: attach must still see it all

	base, err := CreateSegment(name, size)
	require.NoError(t, err)
	assert.True(t, shmExists(name))
	peerBase, peerSize, err := AttachSegment(name)
	require.NoError(t, err)
	assert.Equal(t, uintptr(size), peerSize)
	assert.NotEqual(t, base, peerBase)

	mine, peer := View(base, size), View(peerBase, peerSize)
	assert.Equal(t, make([]byte, size), mine, "a new segment is zeroed")
	mine[0], mine[size-1] = 0xa5, 0x5a
	peer[4096] = 0x42
	assert.Equal(t, byte(0xa5), peer[0])
	assert.Equal(t, byte(0x5a), peer[size-1])
	assert.Equal(t, byte(0x42), mine[4096])

	require.NoError(t, UnlinkSegment(name))
	assert.False(t, shmExists(name))
	mine[1] = 7 // mappings outlive the name
	assert.Equal(t, byte(7), peer[1])

	require.NoError(t, DetachSegment(peerBase, peerSize))
	require.NoError(t, DetachSegment(base, size))
	assert.Zero(t, mappingsOf(t, name))
}

func TestCreateExistingNameKeepsTheOriginal(t *testing.T) {
	name := testSegmentName(t)
	base, err := CreateSegment(name, 4096)
	require.NoError(t, err)
	defer func() { require.NoError(t, DetachSegment(base, 4096)) }()
	View(base, 4096)[0] = 9
	fds := openFDs(t)

	_, err = CreateSegment(name, 8192)
	require.Error(t, err)
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.ErrorIs(t, err, syscall.EEXIST)
	assert.ErrorIs(t, err, fs.ErrExist)
	assert.Contains(t, err.Error(), name)
	assert.Contains(t, err.Error(), "file exists")
	assert.Equal(t, fds, openFDs(t))

	// The failed create must not have unlinked or resized the existing one.
	peerBase, peerSize, err := AttachSegment(name)
	require.NoError(t, err)
	assert.Equal(t, uintptr(4096), peerSize)
	assert.Equal(t, byte(9), View(peerBase, peerSize)[0])
	require.NoError(t, DetachSegment(peerBase, peerSize))
}

func TestAttachMissingLeavesNothing(t *testing.T) {
	name := testSegmentName(t)
	fds := openFDs(t)
	_, _, err := AttachSegment(name)
	require.Error(t, err)
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.False(t, shmExists(name), "attach must never create")
	assert.Equal(t, fds, openFDs(t))
}

func TestAttachEmptySegmentFails(t *testing.T) {
	// What a peer sees if it races the creator's ftruncate.
	name := testSegmentName(t)
	f, err := os.OpenFile("/dev/shm"+name, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	_, _, err = AttachSegment(name)
	assert.ErrorIs(t, err, syscall.EINVAL)
	assert.Contains(t, err.Error(), "empty")
}

func TestCreateTooLargeLeavesNothing(t *testing.T) {
	// Larger than /dev/shm: the reservation fails instead of a later SIGBUS.
	name := testSegmentName(t)
	before := ourShmFiles(t)
	fds := openFDs(t)
	_, err := CreateSegment(name, 1<<50)
	require.Error(t, err)
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.True(t, errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG), err.Error())
	assert.Contains(t, err.Error(), "reserve")
	assert.False(t, shmExists(name))
	assert.Equal(t, before, ourShmFiles(t))
	assert.Equal(t, fds, openFDs(t))
}

func TestUnlinkMissing(t *testing.T) {
	err := UnlinkSegment(testSegmentName(t))
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.ErrorIs(t, err, syscall.ENOENT)
}

func TestDetachBadArguments(t *testing.T) {
	err := DetachSegment(0, 4096)
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.ErrorIs(t, err, syscall.EINVAL)
	assert.Contains(t, err.Error(), "segment mapping")
	assert.ErrorIs(t, DetachSegment(4096, 0), syscall.EINVAL)
	assert.ErrorIs(t, DetachSegment(4097, 4096), syscall.EINVAL, "unaligned base")
}

func TestBadNamesAndSizes(t *testing.T) {
	for _, name := range []string{"", "/", "noslash", "/a/b", "/a\x00b", "/" + strings.Repeat("x", 256)} {
		_, err := CreateSegment(name, 4096)
		assert.ErrorIs(t, err, ErrInvalidArgument, "create %q", name)
		_, _, err = AttachSegment(name)
		assert.ErrorIs(t, err, ErrInvalidArgument, "attach %q", name)
		assert.ErrorIs(t, UnlinkSegment(name), ErrInvalidArgument, "unlink %q", name)
	}
	name := testSegmentName(t)
	_, err := CreateSegment(name, 0)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.False(t, shmExists(name))
	_, err = CreatePlacedSegment(name, 4096, Placement{Align: 3 << 20})
	assert.ErrorIs(t, err, syscall.EINVAL, "alignment not a power of two")
	_, err = CreatePlacedSegment(name, 4096, Placement{Align: 1 << 21, Offset: 100})
	assert.ErrorIs(t, err, syscall.EINVAL, "offset not a page multiple")
	assert.False(t, shmExists(name), "a failed placement unlinks what it created")
}

func TestPlacement(t *testing.T) {
	const align, offset, size = 2 << 20, 64 << 10, 256 << 10
	place := Placement{Align: align, Offset: offset}
	name := testSegmentName(t)
	base, err := CreatePlacedSegment(name, size, place)
	require.NoError(t, err)
	assert.Zero(t, (base+offset)%align)
	peerBase, peerSize, err := AttachPlacedSegment(name, place)
	require.NoError(t, err)
	assert.Zero(t, (peerBase+offset)%align)
	View(base, size)[size-1] = 3
	assert.Equal(t, byte(3), View(peerBase, peerSize)[size-1])
	require.NoError(t, DetachSegment(peerBase, peerSize))
	require.NoError(t, DetachSegment(base, size))
	require.NoError(t, UnlinkSegment(name))
}

func TestNoLeaksOverManyCycles(t *testing.T) {
	// Each placed mapping reserves size+align of address space and must give
	// back the excess; each call opens an fd and must close it.
	const cycles, size = 300, 64 << 10
	place := Placement{Align: 2 << 20, Offset: 4096}
	fds, vm := openFDs(t), vmSize(t)
	for range cycles {
		name := testSegmentName(t)
		base, err := CreatePlacedSegment(name, size, place)
		require.NoError(t, err)
		peerBase, peerSize, err := AttachPlacedSegment(name, place)
		require.NoError(t, err)
		require.NoError(t, UnlinkSegment(name))
		require.NoError(t, DetachSegment(peerBase, peerSize))
		require.NoError(t, DetachSegment(base, size))
	}
	assert.Equal(t, fds, openFDs(t))
	// A leaked reservation would add 2 MiB per mapping: 1.2 GB here.
	assert.Less(t, vmSize(t)-vm, 64<<10, "VmSize grew by more than 64 MiB")
	assert.Empty(t, ourShmFiles(t))
}

func TestCreateCommitsPages(t *testing.T) {
	// Two reservation chunks: the pages are allocated up front, not on touch.
	const size = 80 << 20
	name := testSegmentName(t)
	base, err := CreateSegment(name, size)
	require.NoError(t, err)
	defer func() { require.NoError(t, DetachSegment(base, size)) }()
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat("/dev/shm"+name, &st))
	assert.GreaterOrEqual(t, st.Blocks*512, int64(size))
	require.NoError(t, UnlinkSegment(name))
}
