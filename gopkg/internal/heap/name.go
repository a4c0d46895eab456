package heap

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// segmentLabel is a fresh label for a segment of the process pid:
// "shmem-<pid>-<8 random hex digits>". It names nothing a launcher must clean
// up (segments are memfds); it makes a heap recognisable in /proc/<pid>/maps
// ("/memfd:shmem-... (deleted)"), which is how tests prove none is left.
func segmentLabel(pid int) string {
	var tag [4]byte
	_, _ = rand.Read(tag[:]) // never fails on Linux; it would abort instead
	return fmt.Sprintf("%s%d-", labelPrefix, pid) + hex.EncodeToString(tag[:])
}

// labelPrefix starts every heap segment's label.
const labelPrefix = "shmem-"
