package native

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateAttachShareMemory(t *testing.T) {
	label := testLabel(t)
	const size = 3*4096 + 100 // not a page multiple: attach must still see it all

	base, h, err := CreateSegment(label, size)
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), h.PID)
	assert.Equal(t, label, h.Label)
	assert.Equal(t, 1, fdsOf(t, label))
	assert.NoDirExists(t, "/dev/shm/"+label)
	peerBase, peerSize, err := AttachSegment(h)
	require.NoError(t, err)
	assert.Equal(t, uintptr(size), peerSize)
	assert.NotEqual(t, base, peerBase)
	assert.Equal(t, 1, fdsOf(t, label), "attach keeps no descriptor")

	mine, peer := View(base, size), View(peerBase, peerSize)
	assert.Equal(t, make([]byte, size), mine, "a new segment is zeroed")
	mine[0], mine[size-1] = 0xa5, 0x5a
	peer[4096] = 0x42
	assert.Equal(t, byte(0xa5), peer[0])
	assert.Equal(t, byte(0x5a), peer[size-1])
	assert.Equal(t, byte(0x42), mine[4096])

	require.NoError(t, ReleaseSegment(h))
	assert.Zero(t, fdsOf(t, label))
	_, _, err = AttachSegment(h)
	assert.Error(t, err, "nobody attaches after release")
	mine[1] = 7 // mappings outlive the handle
	assert.Equal(t, byte(7), peer[1])

	require.NoError(t, DetachSegment(peerBase, peerSize))
	require.NoError(t, DetachSegment(base, size))
	assert.Zero(t, mappingsOf(t, label))
}

// A handle whose pid or descriptor now names something else is refused: the
// creator died and its pid or fd number was reused.
func TestAttachChecksWhatItOpened(t *testing.T) {
	_, h := create(t, testLabel(t), 4096, Placement{})
	fds := openFDs(t)
	other, err := os.Open("/dev/null")
	require.NoError(t, err)
	defer other.Close()

	for what, bad := range map[string]Handle{
		"another file":   {PID: h.PID, FD: int(other.Fd()), Dev: h.Dev, Ino: h.Ino, Label: h.Label},
		"another inode":  {PID: h.PID, FD: h.FD, Dev: h.Dev, Ino: h.Ino + 1, Label: h.Label},
		"another label":  {PID: h.PID, FD: h.FD, Dev: h.Dev, Ino: h.Ino, Label: h.Label + "x"},
		"another device": {PID: h.PID, FD: h.FD, Dev: h.Dev + 1, Ino: h.Ino, Label: h.Label},
	} {
		_, _, err := AttachSegment(bad)
		var segErr *SegmentError
		assert.ErrorAs(t, err, &segErr, what)
		assert.ErrorIs(t, err, syscall.ESTALE, what)
	}
	assert.Equal(t, fds+1, openFDs(t), "a refused attach leaves no descriptor")
}

func TestAttachMissingLeavesNothing(t *testing.T) {
	fds := openFDs(t)
	_, _, err := AttachSegment(Handle{PID: os.Getpid(), FD: 1 << 20, Label: testLabel(t)})
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, fds, openFDs(t))
}

func TestCreateTooLargeLeavesNothing(t *testing.T) {
	// More than the machine's memory: the reservation fails instead of a later SIGBUS or OOM kill.
	label := testLabel(t)
	fds := openFDs(t)
	_, _, err := CreateSegment(label, 1<<50)
	require.Error(t, err)
	var segErr *SegmentError
	assert.ErrorAs(t, err, &segErr)
	assert.True(t, errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG), err.Error())
	assert.Contains(t, err.Error(), "reserve")
	assert.Equal(t, fds, openFDs(t))
	assert.Zero(t, fdsOf(t, label))
}

func TestReleaseOnlyByTheCreator(t *testing.T) {
	_, h := create(t, testLabel(t), 4096, Placement{})
	stranger := h
	stranger.PID++
	assert.ErrorIs(t, ReleaseSegment(stranger), syscall.EINVAL)
	assert.Equal(t, 1, fdsOf(t, h.Label), "a refused release closes nothing")
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

func TestBadLabelsSizesAndHandles(t *testing.T) {
	for _, label := range []string{"", "a/b", "a\x00b", strings.Repeat("x", MaxLabelLen+1)} {
		_, _, err := CreateSegment(label, 4096)
		assert.ErrorIs(t, err, ErrInvalidArgument, "create %q", label)
		_, _, err = AttachSegment(Handle{PID: 1, FD: 3, Label: label})
		assert.ErrorIs(t, err, ErrInvalidArgument, "attach %q", label)
	}
	for _, h := range []Handle{{PID: 0, FD: 3, Label: "x"}, {PID: -1, FD: 3, Label: "x"}, {PID: 1, FD: -1, Label: "x"}, {PID: 1, FD: 1 << 40, Label: "x"}} {
		_, _, err := AttachSegment(h)
		assert.ErrorIs(t, err, ErrInvalidArgument, "attach %+v", h)
		assert.ErrorIs(t, ReleaseSegment(h), ErrInvalidArgument, "release %+v", h)
	}
	label := testLabel(t)
	fds := openFDs(t)
	_, _, err := CreateSegment(label, 0)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, _, err = CreatePlacedSegment(label, 4096, Placement{Align: 3 << 20})
	assert.ErrorIs(t, err, syscall.EINVAL, "alignment not a power of two")
	_, _, err = CreatePlacedSegment(label, 4096, Placement{Align: 1 << 21, Offset: 100})
	assert.ErrorIs(t, err, syscall.EINVAL, "offset not a page multiple")
	assert.Equal(t, fds, openFDs(t), "a failed create closes what it opened")
}

func TestPlacement(t *testing.T) {
	const align, offset, size = 2 << 20, 64 << 10, 256 << 10
	place := Placement{Align: align, Offset: offset}
	base, h := create(t, testLabel(t), size, place)
	assert.Zero(t, (base+offset)%align)
	peerBase, peerSize, err := AttachPlacedSegment(h, place)
	require.NoError(t, err)
	assert.Zero(t, (peerBase+offset)%align)
	View(base, size)[size-1] = 3
	assert.Equal(t, byte(3), View(peerBase, peerSize)[size-1])
	require.NoError(t, DetachSegment(peerBase, peerSize))
	require.NoError(t, DetachSegment(base, size))
}

func TestNoLeaksOverManyCycles(t *testing.T) {
	// Each placed mapping reserves size+align of address space and must give
	// back the excess; each call opens an fd and must close it.
	const cycles, size = 300, 64 << 10
	place := Placement{Align: 2 << 20, Offset: 4096}
	fds, vm := openFDs(t), vmSize(t)
	for range cycles {
		base, h, err := CreatePlacedSegment(testLabel(t), size, place)
		require.NoError(t, err)
		peerBase, peerSize, err := AttachPlacedSegment(h, place)
		require.NoError(t, err)
		require.NoError(t, ReleaseSegment(h))
		require.NoError(t, DetachSegment(peerBase, peerSize))
		require.NoError(t, DetachSegment(base, size))
	}
	assert.Equal(t, fds, openFDs(t))
	// A leaked reservation would add 2 MiB per mapping: 1.2 GB here.
	assert.Less(t, vmSize(t)-vm, 64<<10, "VmSize grew by more than 64 MiB")
}

func TestCreateCommitsPages(t *testing.T) {
	// Two reservation chunks: the pages are allocated up front, not on touch.
	const size = 80 << 20
	base, h := create(t, testLabel(t), size, Placement{})
	defer func() { require.NoError(t, DetachSegment(base, size)) }()
	var st syscall.Stat_t
	require.NoError(t, syscall.Fstat(h.FD, &st))
	assert.GreaterOrEqual(t, st.Blocks*512, int64(size))
}

// childEnv makes the test binary, run again, act as the process that creates
// a segment (TestMain hands it to childCreates).
const childEnv = "SHMEM_NATIVE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "create" {
		childCreates()
		return
	}
	os.Exit(m.Run())
}

// childCreates creates a segment, writes 0x5a at its start, prints its
// handle and waits to be killed.
func childCreates() {
	base, h, err := CreateSegment(fmt.Sprintf("shmem-%d-child", os.Getpid()), 1<<20)
	if err != nil {
		os.Exit(3)
	}
	View(base, 1<<20)[0] = 0x5a
	_ = json.NewEncoder(os.Stdout).Encode(h)
	select {}
}

// Another process maps a segment through its handle; SIGKILLing the creator
// leaves the mapping valid, and with the creator gone nobody can attach it:
// the memory has no name to leak under.
func TestAnotherProcessAttachesAndTheCreatorsDeathLeavesNothing(t *testing.T) {
	start := func() (*exec.Cmd, Handle) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=create")
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		var h Handle
		require.NoError(t, json.NewDecoder(bufio.NewReader(out)).Decode(&h))
		require.Equal(t, cmd.Process.Pid, h.PID)
		return cmd, h
	}

	cmd, h := start()
	base, size, err := AttachSegment(h)
	require.NoError(t, err)
	view := View(base, size)
	assert.Equal(t, byte(0x5a), view[0], "the creator's write is visible")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	view[1] = 1 // still mapped here: the memory lives while a mapping does
	assert.Equal(t, byte(0x5a), view[0])
	_, _, err = AttachSegment(h)
	assert.ErrorIs(t, err, syscall.ENOENT, "a dead creator's segment cannot be attached")
	require.NoError(t, DetachSegment(base, size))
	assert.Zero(t, mappingsOf(t, h.Label))

	cmd, h = start()
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	_, _, err = AttachSegment(h)
	assert.ErrorIs(t, err, syscall.ENOENT)
}
