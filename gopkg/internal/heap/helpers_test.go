package heap

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// ourShmFiles lists this process's segment names in /dev/shm.
func ourShmFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(shmDir + segmentPrefix(os.Getpid()) + "*")
	require.NoError(t, err)
	return files
}

func shmExists(name string) bool {
	_, err := os.Stat(shmDir + name)
	return err == nil
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
