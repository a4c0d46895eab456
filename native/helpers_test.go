package native

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testLabel is unique and follows the runtime's "shmem-<pid>-" form.
func testLabel(t *testing.T) string {
	t.Helper()
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return fmt.Sprintf("shmem-%d-nt%s", os.Getpid(), hex.EncodeToString(b[:]))
}

// create makes a segment and releases its handle when the test ends, if the
// test did not.
func create(t *testing.T, label string, size uintptr, p Placement) (uintptr, Handle) {
	t.Helper()
	base, h, err := CreatePlacedSegment(label, size, p)
	require.NoError(t, err)
	released := false
	t.Cleanup(func() {
		if !released {
			_ = ReleaseSegment(h)
		}
	})
	return base, h
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// mappingsOf counts the lines of /proc/self/maps that map the labelled memfd.
func mappingsOf(t *testing.T, label string) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return strings.Count(string(maps), "/memfd:"+label+" ")
}

// fdsOf counts this process's descriptors of the labelled memfd.
func fdsOf(t *testing.T, label string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(link, "/memfd:"+label+" ") {
			n++
		}
	}
	return n
}

// vmSize is the process's virtual size in kB.
func vmSize(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			var kb int
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatal("no VmSize in /proc/self/status")
	return 0
}
