package native

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testSegmentName is unique and follows the runtime's "/shmem-<pid>-" form,
// so a launcher's cleanup would also catch what a crashed test leaves.
func testSegmentName(t *testing.T) string {
	t.Helper()
	var b [6]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	name := fmt.Sprintf("/shmem-%d-nt%s", os.Getpid(), hex.EncodeToString(b[:]))
	t.Cleanup(func() { _ = UnlinkSegment(name) })
	return name
}

// ourShmFiles lists this process's files in /dev/shm.
func ourShmFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(fmt.Sprintf("/dev/shm/shmem-%d-*", os.Getpid()))
	require.NoError(t, err)
	return files
}

func shmExists(name string) bool {
	_, err := os.Stat("/dev/shm" + name)
	return err == nil
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// mappingsOf counts the lines of /proc/self/maps that map the named file.
func mappingsOf(t *testing.T, name string) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return strings.Count(string(maps), "/dev/shm"+name)
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
