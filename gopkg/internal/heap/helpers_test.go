package heap

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// heldHere counts this process's descriptors and mappings of the segment
// labelled label: zero for both means this process holds none of its memory.
func heldHere(t *testing.T, label string) (fds, maps int) {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	for _, e := range entries {
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(link, "/memfd:"+label+" ") {
			fds++
		}
	}
	m, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return fds, strings.Count(string(m), "/memfd:"+label+" ")
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// closeAtEnd closes s when the test ends, whatever the test did to it.
func closeAtEnd(t *testing.T, s *Segment) *Segment {
	t.Cleanup(func() { _ = s.Close() })
	return s
}
