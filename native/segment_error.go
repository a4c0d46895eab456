package native

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrInvalidArgument is wrapped by every error about an argument the caller
// got wrong. native is the lowest layer and knows no API codes: its callers
// turn this into InvalidParam and other failures into the code of their
// operation.
var ErrInvalidArgument = errors.New("invalid argument")

// SegmentError is a failed segment operation. It carries the errno, so
// callers can ask errors.Is(err, syscall.ENOENT) or errors.Is(err,
// fs.ErrNotExist).
type SegmentError struct {
	Msg   string
	Errno syscall.Errno
}

func (e *SegmentError) Error() string { return e.Msg }

// Unwrap exposes the errno to errors.Is and errors.As.
func (e *SegmentError) Unwrap() error { return e.Errno }

// segmentError names the segment when there is one (detach knows only an
// address, which the step text already holds).
func segmentError(errno syscall.Errno, step, name string) *SegmentError {
	subject := "segment mapping"
	if name != "" {
		subject = fmt.Sprintf("segment %q", name)
	}
	return &SegmentError{Msg: fmt.Sprintf("%s: %s: %s", subject, step, errno.Error()), Errno: errno}
}
