package heap

import (
	"errors"
	"io/fs"
	"os"
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/native"
)

// createAttempts bounds the retries when a fresh random name is taken.
const createAttempts = 8

// placement puts the user heap at UserAlign in every mapping.
var placement = native.Placement{Align: UserAlign, Offset: UserOffset}

// Segment is one mapping of a PE's heap segment: this PE's own (Create) or a
// peer's (Attach). Base and Size describe the mapping; both are zero after
// Close. A Segment must not be used concurrently with its Close.
type Segment struct {
	Name string
	Base uintptr
	Size uintptr

	mu       sync.Mutex
	created  bool // made by this process: Close unlinks it if nobody did
	unlinked bool
	closed   bool
}

// Create creates and maps a new segment with a user heap of at least memSize
// bytes (rounded up to the page size), under a fresh name for this process.
func Create(memSize uintptr) (*Segment, error) {
	var err error
	for range createAttempts {
		var s *Segment
		s, err = CreateNamed(SegmentName(os.Getpid()), memSize)
		if !errors.Is(err, fs.ErrExist) {
			return s, err
		}
	}
	return nil, err
}

// CreateNamed is Create under a given name; it fails if the name exists.
func CreateNamed(name string, memSize uintptr) (*Segment, error) {
	size, err := SegmentSize(memSize)
	if err != nil {
		return nil, err
	}
	base, err := native.CreatePlacedSegment(name, size, placement)
	if err != nil {
		return nil, fromNative(err)
	}
	return &Segment{Name: name, Base: base, Size: size, created: true}, nil
}

// Attach maps the existing segment name, a peer's heap.
func Attach(name string) (*Segment, error) {
	base, size, err := native.AttachPlacedSegment(name, placement)
	if err != nil {
		return nil, fromNative(err)
	}
	if size <= SyncAreaSize {
		derr := native.DetachSegment(base, size)
		return nil, errors.Join(errcode.New(errcode.SmemError,
			"segment %q: %d bytes is no heap segment (the sync area alone is %d)",
			name, size, SyncAreaSize), derr)
	}
	return &Segment{Name: name, Base: base, Size: size}, nil
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

// Unlink removes the segment's name so no one else can attach it; the
// mappings stay valid. Idempotent, and a name someone else already removed
// counts as removed.
func (s *Segment) Unlink() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unlinkLocked()
}

func (s *Segment) unlinkLocked() error {
	if s.unlinked {
		return nil
	}
	if err := native.UnlinkSegment(s.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fromNative(err)
	}
	s.unlinked = true
	return nil
}

// Close unmaps the segment and, if this process created it and its name is
// still there, unlinks it. Idempotent.
func (s *Segment) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.created {
		errs = append(errs, s.unlinkLocked())
	}
	errs = append(errs, fromNative(native.DetachSegment(s.Base, s.Size)))
	s.Base, s.Size = 0, 0
	return errors.Join(errs...)
}

// fromNative gives an error of the native layer its API code: a bad argument
// is InvalidParam, anything else the system refused is SmemError. The native
// error stays reachable for errors.Is (an errno, fs.ErrExist).
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
