package shmtest

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childRegionFd is where a child finds the region: the first of
// exec.Cmd.ExtraFiles.
const childRegionFd = 3

// Region is a shared-memory region backed by a memfd and mapped MAP_SHARED,
// so the pages are the same in every process that maps the file.
type Region struct {
	file *os.File
	mem  []byte
}

// NewRegion creates a zeroed region of size bytes.
func NewRegion(size int) (*Region, error) {
	fd, err := unix.MemfdCreate("shmtest", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	file := os.NewFile(uintptr(fd), "shmtest")
	if err := file.Truncate(int64(size)); err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("ftruncate: %w", err)
	}
	return mapRegion(file, size)
}

// ChildRegion maps the region its parent passed to Start.
func ChildRegion() (*Region, error) {
	file := os.NewFile(childRegionFd, "shmtest")
	info, err := file.Stat()
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("no region at fd %d: %w", childRegionFd, err)
	}
	// Occupy some address space first so that the child's mapping lands at
	// an address unlike the parent's, as with real PEs.
	pad, err := unix.Mmap(-1, 0, 3*os.Getpagesize(), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err == nil {
		defer func() { _ = unix.Munmap(pad) }()
	}
	return mapRegion(file, int(info.Size()))
}

func mapRegion(file *os.File, size int) (*Region, error) {
	mem, err := unix.Mmap(int(file.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &Region{file: file, mem: mem}, nil
}

// Addr is the address of the region's first byte in this process.
func (r *Region) Addr() uintptr { return uintptr(unsafe.Pointer(&r.mem[0])) }

// Size is the region's length in bytes.
func (r *Region) Size() int { return len(r.mem) }

// Close unmaps the region and closes its file; the memory is freed when
// the last process lets go of it.
func (r *Region) Close() error {
	errUnmap := unix.Munmap(r.mem)
	errClose := r.file.Close()
	if errUnmap != nil {
		return errUnmap
	}
	return errClose
}
