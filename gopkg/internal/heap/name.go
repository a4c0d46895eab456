package heap

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/native"
)

// shmDir is where glibc keeps POSIX shared-memory names.
const shmDir = "/dev/shm"

// SegmentName is a fresh name for a segment of the process pid:
// "/shmem-<pid>-<8 random hex digits>". The pid lets a launcher remove what a
// dead child left behind (RemoveSegmentsOf).
func SegmentName(pid int) string {
	var tag [4]byte
	_, _ = rand.Read(tag[:]) // never fails on Linux; it would abort instead
	return segmentPrefix(pid) + hex.EncodeToString(tag[:])
}

func segmentPrefix(pid int) string { return fmt.Sprintf("/shmem-%d-", pid) }

// RemoveSegmentsOf unlinks every segment name of the process pid, for a
// launcher cleaning up after a child that died before its job unlinked them.
// It returns how many it removed.
func RemoveSegmentsOf(pid int) (int, error) {
	if pid <= 0 {
		return 0, errcode.New(errcode.InvalidParam, "remove segments of pid %d: not a pid", pid)
	}
	paths, err := filepath.Glob(shmDir + segmentPrefix(pid) + "*")
	if err != nil {
		return 0, errcode.Wrap(errcode.SmemError, err, "remove segments")
	}
	removed := 0
	var errs []error
	for _, path := range paths {
		err := native.UnlinkSegment("/" + filepath.Base(path))
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist): // gone meanwhile is fine
			errs = append(errs, fromNative(err))
		}
	}
	return removed, errors.Join(errs...)
}
