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

// MaxLabelLen is the longest segment label (SHMEM_MEM_LABEL_MAX).
const MaxLabelLen = C.SHMEM_MEM_LABEL_MAX

// Placement asks that a mapping land where Base+Offset is a multiple of Align.
// The zero value leaves the address to the kernel (page aligned). Align is a
// power of two; Offset a multiple of the page size.
type Placement struct {
	Align  uintptr
	Offset uintptr
}

// Handle is what another process of the same user and host needs to map a
// segment: the creator's pid and descriptor, and the segment's identity,
// which AttachSegment checks on what it opens. It travels as JSON between PEs.
type Handle struct {
	PID   int    `json:"pid"`
	FD    int    `json:"fd"`
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	Label string `json:"label"`
}

// CreateSegment creates a segment of size bytes labelled label (the label
// shows in /proc/<pid>/maps as "/memfd:<label> (deleted)"), commits its pages
// (so an oversized heap fails here with ENOMEM or ENOSPC, not later with
// SIGBUS) and maps it read/write. The segment has no name: it lives as long
// as the returned handle's descriptor (until ReleaseSegment) or any mapping.
func CreateSegment(label string, size uintptr) (base uintptr, h Handle, err error) {
	return CreatePlacedSegment(label, size, Placement{})
}

// CreatePlacedSegment is CreateSegment with the mapping put where p asks.
func CreatePlacedSegment(label string, size uintptr, p Placement) (base uintptr, h Handle, err error) {
	if err := checkLabel(label); err != nil {
		return 0, Handle{}, err
	}
	if size == 0 {
		return 0, Handle{}, fmt.Errorf("segment %q: size 0: %w", label, ErrInvalidArgument)
	}
	clabel := C.CString(label)
	defer C.free(unsafe.Pointer(clabel))
	place := cPlacement(p)
	var cbase C.uintptr_t
	var ch C.shmem_mem_handle
	var st C.shmem_mem_status
	if C.shmem_mem_create(C.shmem_mem_host(), clabel, C.size_t(size), &place, &cbase, &ch, &st) != 0 {
		return 0, Handle{}, statusError(&st, label)
	}
	return uintptr(cbase), goHandle(&ch), nil
}

// AttachSegment maps all of the segment h, created by another process (or
// this one), read/write. It fails with ESTALE when what h points at now is
// not that segment (its creator died and the pid or descriptor was reused),
// with ENOENT when the creator or its descriptor is gone, and with EACCES
// when this process may not read the creator's descriptors (another user).
func AttachSegment(h Handle) (base uintptr, size uintptr, err error) {
	return AttachPlacedSegment(h, Placement{})
}

// AttachPlacedSegment is AttachSegment with the mapping put where p asks.
func AttachPlacedSegment(h Handle, p Placement) (base uintptr, size uintptr, err error) {
	ch, err := cHandle(h)
	if err != nil {
		return 0, 0, err
	}
	place := cPlacement(p)
	var cbase C.uintptr_t
	var csize C.size_t
	var st C.shmem_mem_status
	if C.shmem_mem_attach(C.shmem_mem_host(), &ch, &place, &cbase, &csize, &st) != 0 {
		return 0, 0, statusError(&st, h.Label)
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

// ReleaseSegment closes the creator's descriptor of h: nobody can attach the
// segment any more; mappings stay valid, and the memory goes away with the
// last of them. Only the creating process can release.
func ReleaseSegment(h Handle) error {
	ch, err := cHandle(h)
	if err != nil {
		return err
	}
	var st C.shmem_mem_status
	if C.shmem_mem_release(C.shmem_mem_host(), &ch, &st) != 0 {
		return statusError(&st, h.Label)
	}
	return nil
}

// checkLabel accepts 1 to MaxLabelLen bytes without NUL or "/" (the label is
// shown as part of a path in /proc).
func checkLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("segment label is empty: %w", ErrInvalidArgument)
	case strings.ContainsAny(label, "/\x00"):
		return fmt.Errorf("segment label %q: contains \"/\" or NUL: %w", label, ErrInvalidArgument)
	case len(label) > MaxLabelLen:
		return fmt.Errorf("segment label %q: longer than %d bytes: %w", label, MaxLabelLen, ErrInvalidArgument)
	}
	return nil
}

func cHandle(h Handle) (C.shmem_mem_handle, error) {
	var ch C.shmem_mem_handle
	if err := checkLabel(h.Label); err != nil {
		return ch, err
	}
	if h.PID <= 0 || h.FD < 0 || h.FD > 1<<31-1 {
		return ch, fmt.Errorf("segment %q: handle pid %d fd %d: %w", h.Label, h.PID, h.FD, ErrInvalidArgument)
	}
	ch.pid, ch.fd = C.int64_t(h.PID), C.int32_t(h.FD)
	ch.dev, ch.ino = C.uint64_t(h.Dev), C.uint64_t(h.Ino)
	for i := range len(h.Label) {
		ch.label[i] = C.char(h.Label[i])
	}
	return ch, nil
}

func goHandle(ch *C.shmem_mem_handle) Handle {
	return Handle{PID: int(ch.pid), FD: int(ch.fd), Dev: uint64(ch.dev), Ino: uint64(ch.ino), Label: C.GoString(&ch.label[0])}
}

func cPlacement(p Placement) C.shmem_mem_placement {
	return C.shmem_mem_placement{align: C.size_t(p.Align), offset: C.size_t(p.Offset)}
}

func statusError(st *C.shmem_mem_status, name string) *SegmentError {
	return segmentError(syscall.Errno(st.err_no), C.GoString(&st.msg[0]), name)
}
