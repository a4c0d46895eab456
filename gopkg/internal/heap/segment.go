package heap

import (
	"errors"
	"os"
	"strings"
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/native"
)

// placement puts the user heap at UserAlign in every mapping.
var placement = native.Placement{Align: UserAlign, Offset: UserOffset}

// Handle is what a peer needs to attach a segment (see native.Handle).
type Handle = native.Handle

// Segment is one mapping of a PE's heap segment: this PE's own (Create) or a
// peer's (Attach). Base and Size describe the mapping; both are zero after
// Close. A Segment must not be used concurrently with its Close.
type Segment struct {
	Handle Handle
	Base   uintptr
	Size   uintptr

	mu       sync.Mutex
	created  bool // made by this process: it holds the descriptor until Release
	released bool
	closed   bool
}

// Create creates and maps a new segment with a user heap of at least memSize
// bytes (rounded up to the page size). It has no name: it goes away with the
// last process that holds it, however that process ends.
func Create(memSize uintptr) (*Segment, error) {
	size, err := SegmentSize(memSize)
	if err != nil {
		return nil, err
	}
	base, h, err := native.CreatePlacedSegment(segmentLabel(os.Getpid()), size, placement)
	if err != nil {
		return nil, fromNative(err)
	}
	return &Segment{Handle: h, Base: base, Size: size, created: true}, nil
}

// Attach maps the segment h, a peer's heap. Only segments labelled as heaps
// are mapped: a handle from the wire cannot make this PE map some other
// memory file of the same user.
func Attach(h Handle) (*Segment, error) {
	if !strings.HasPrefix(h.Label, labelPrefix) {
		return nil, errcode.New(errcode.InvalidParam, "segment %q is not a heap segment", h.Label)
	}
	base, size, err := native.AttachPlacedSegment(h, placement)
	if err != nil {
		return nil, fromNative(err)
	}
	if size <= SyncAreaSize {
		derr := native.DetachSegment(base, size)
		return nil, errors.Join(errcode.New(errcode.SmemError,
			"segment %q: %d bytes is no heap segment (the sync area alone is %d)",
			h.Label, size, SyncAreaSize), derr)
	}
	return &Segment{Handle: h, Base: base, Size: size}, nil
}

// SyncBase is the address of the sync area (the start of the mapping).
func (s *Segment) SyncBase() uintptr { return s.Base }

// UserBase is the address of the user heap; 0 after Close.
func (s *Segment) UserBase() uintptr {
	if s.Base == 0 {
		return 0
	}
	return s.Base + UserOffset
}

// UserSize is the size of the user heap; 0 after Close.
func (s *Segment) UserSize() uintptr {
	if s.Size <= UserOffset {
		return 0
	}
	return s.Size - UserOffset
}

// Bytes is the whole mapping as a slice, valid until Close; nil after it.
func (s *Segment) Bytes() []byte { return native.View(s.Base, s.Size) }

// Release lets go of the creator's descriptor, so no one else can attach the
// segment; the mappings stay valid. Idempotent; nothing to do for a peer's
// mapping.
func (s *Segment) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.releaseLocked()
}

func (s *Segment) releaseLocked() error {
	if !s.created || s.released {
		return nil
	}
	s.released = true
	return fromNative(native.ReleaseSegment(s.Handle))
}

// Close unmaps the segment and, if this process created it, releases it.
// Idempotent.
func (s *Segment) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	errs := []error{s.releaseLocked(), fromNative(native.DetachSegment(s.Base, s.Size))}
	s.Base, s.Size = 0, 0
	return errors.Join(errs...)
}

// fromNative gives an error of the native layer its API code: a bad argument
// is InvalidParam, anything else the system refused is SmemError. The native
// error stays reachable for errors.Is (an errno, fs.ErrNotExist).
func fromNative(err error) error {
	if err == nil {
		return nil
	}
	code := errcode.SmemError
	if errors.Is(err, native.ErrInvalidArgument) {
		code = errcode.InvalidParam
	}
	return &errcode.Error{Code: code, Msg: err.Error(), Cause: err}
}
