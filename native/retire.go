package native

/*
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

// Replaces the pages in one step (MAP_FIXED): there is no moment at which the
// range is unmapped, so a thread reading it meanwhile sees either the old
// pages or zeros, never a fault. MAP_NORESERVE: untouched pages cost nothing.
static int shmem_retire_range(uintptr_t base, size_t size)
{
	void *p = mmap((void *)base, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? errno : 0;
}

static int shmem_release_range(uintptr_t base, size_t size)
{
	return munmap((void *)base, size) != 0 ? errno : 0;
}
*/
import "C"

import (
	"fmt"
	"syscall"
)

// RetireMapping replaces a mapping made by CreateSegment or AttachSegment with
// private zero pages at the same addresses, instead of unmapping it. The
// segment's memory is released (as by DetachSegment), but the addresses stay
// readable and writable, so that views of them that Python code still holds
// after shmem_finialize read zeros and write into memory nobody else sees
// instead of crashing the interpreter with SIGSEGV. ReleaseMapping ends it.
func RetireMapping(base, size uintptr) error {
	if base == 0 || size == 0 {
		return fmt.Errorf("retire of base %#x size %d: %w", base, size, ErrInvalidArgument)
	}
	if errno := C.shmem_retire_range(C.uintptr_t(base), C.size_t(size)); errno != 0 {
		return segmentError(syscall.Errno(errno), fmt.Sprintf("retire of base %#x size %d", base, size), "")
	}
	return nil
}

// ReleaseMapping unmaps a range RetireMapping kept, once nothing can use it.
func ReleaseMapping(base, size uintptr) error {
	if base == 0 || size == 0 {
		return fmt.Errorf("release of base %#x size %d: %w", base, size, ErrInvalidArgument)
	}
	if errno := C.shmem_release_range(C.uintptr_t(base), C.size_t(size)); errno != 0 {
		return segmentError(syscall.Errno(errno), fmt.Sprintf("release of base %#x size %d", base, size), "")
	}
	return nil
}
