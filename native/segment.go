package native

/*
#include <stdlib.h>
#include "shmem_mem.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"syscall"
	"unsafe"
)

// maxSegmentNameLen is NAME_MAX: the name becomes a file under /dev/shm.
const maxSegmentNameLen = 255

// Placement asks that a mapping land where Base+Offset is a multiple of Align.
// The zero value leaves the address to the kernel (page aligned). Align is a
// power of two; Offset a multiple of the page size.
type Placement struct {
	Align  uintptr
	Offset uintptr
}

// CreateSegment creates the shared-memory segment name of size bytes, commits
// its pages (so an oversized heap fails here with ENOSPC, not later with
// SIGBUS) and maps it read/write. It fails if name already exists.
func CreateSegment(name string, size uintptr) (base uintptr, err error) {
	return CreatePlacedSegment(name, size, Placement{})
}

// CreatePlacedSegment is CreateSegment with the mapping put where p asks.
func CreatePlacedSegment(name string, size uintptr, p Placement) (base uintptr, err error) {
	if err := checkSegmentName(name); err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, fmt.Errorf("segment %q: size 0: %w", name, ErrInvalidArgument)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	place := cPlacement(p)
	var cbase C.uintptr_t
	var st C.shmem_mem_status
	if C.shmem_mem_create(C.shmem_mem_host(), cname, C.size_t(size), &place, &cbase, &st) != 0 {
		return 0, statusError(&st, name)
	}
	return uintptr(cbase), nil
}

// AttachSegment maps all of the existing segment name read/write.
func AttachSegment(name string) (base uintptr, size uintptr, err error) {
	return AttachPlacedSegment(name, Placement{})
}

// AttachPlacedSegment is AttachSegment with the mapping put where p asks.
func AttachPlacedSegment(name string, p Placement) (base uintptr, size uintptr, err error) {
	if err := checkSegmentName(name); err != nil {
		return 0, 0, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	place := cPlacement(p)
	var cbase C.uintptr_t
	var csize C.size_t
	var st C.shmem_mem_status
	if C.shmem_mem_attach(C.shmem_mem_host(), cname, &place, &cbase, &csize, &st) != 0 {
		return 0, 0, statusError(&st, name)
	}
	return uintptr(cbase), uintptr(csize), nil
}

// DetachSegment unmaps a mapping returned by CreateSegment or AttachSegment.
func DetachSegment(base, size uintptr) error {
	var st C.shmem_mem_status
	if C.shmem_mem_detach(C.shmem_mem_host(), C.uintptr_t(base), C.size_t(size), &st) != 0 {
		return statusError(&st, "")
	}
	return nil
}

// UnlinkSegment removes the name; mappings of the segment stay valid and the
// memory goes away with the last of them.
func UnlinkSegment(name string) error {
	if err := checkSegmentName(name); err != nil {
		return err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var st C.shmem_mem_status
	if C.shmem_mem_unlink(C.shmem_mem_host(), cname, &st) != 0 {
		return statusError(&st, name)
	}
	return nil
}

// checkSegmentName accepts the portable POSIX form "/name": one leading
// slash, no other, no NUL, short enough to be a file name.
func checkSegmentName(name string) error {
	switch {
	case len(name) < 2 || name[0] != '/':
		return fmt.Errorf("segment name %q: must be \"/\" followed by a name: %w", name, ErrInvalidArgument)
	case strings.ContainsAny(name[1:], "/\x00"):
		return fmt.Errorf("segment name %q: contains \"/\" or NUL after the first character: %w", name, ErrInvalidArgument)
	case len(name)-1 > maxSegmentNameLen:
		return fmt.Errorf("segment name %q: longer than %d bytes: %w", name, maxSegmentNameLen, ErrInvalidArgument)
	}
	return nil
}

func cPlacement(p Placement) C.shmem_mem_placement {
	return C.shmem_mem_placement{align: C.size_t(p.Align), offset: C.size_t(p.Offset)}
}

func statusError(st *C.shmem_mem_status, name string) *SegmentError {
	return segmentError(syscall.Errno(st.err_no), C.GoString(&st.msg[0]), name)
}
