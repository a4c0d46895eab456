package native

import (
	"fmt"
	"syscall"

	"github.com/pyshmem/shmem/gopkg/errcode"
)

// SegmentError is a failed segment operation. It carries the API code
// (errcode.SmemError) for the user and the errno for the runtime, so callers
// can ask errors.Is(err, syscall.ENOENT) or errors.Is(err, fs.ErrNotExist).
type SegmentError struct {
	Coded *errcode.Error
	Errno syscall.Errno
}

func (e *SegmentError) Error() string { return e.Coded.Error() }

// Unwrap exposes both halves to errors.Is and errors.As.
func (e *SegmentError) Unwrap() []error { return []error{e.Coded, e.Errno} }

// segmentError names the segment when there is one (detach knows only an
// address, which the step text already holds).
func segmentError(errno syscall.Errno, step, name string) *SegmentError {
	subject := "segment mapping"
	if name != "" {
		subject = fmt.Sprintf("segment %q", name)
	}
	return &SegmentError{
		Coded: errcode.New(errcode.SmemError, "%s: %s: %s", subject, step, errno.Error()),
		Errno: errno,
	}
}
