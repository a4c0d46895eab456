package stream

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Op is one queued operation. cancelled reports whether the stream is being
// shut down; an operation that may block for long polls it and gives up.
type Op func(cancelled func() bool) error

// Stream is an ordered queue of operations and the goroutine that runs them.
type Stream struct {
	mu       sync.Mutex
	queue    []Op
	issued   uint64 // operations enqueued so far
	done     uint64 // operations finished so far (run, failed or skipped)
	progress chan struct{}
	wake     chan struct{}
	firstErr error
	failures int
	closed   bool

	cancel atomic.Bool
	exited chan struct{}
}

// New starts a stream.
func New() *Stream {
	s := &Stream{progress: make(chan struct{}), wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go s.run()
	return s
}

// Enqueue appends op; it runs after every operation enqueued before it.
func (s *Stream) Enqueue(op Op) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errcode.New(errcode.InvalidParam, "the stream was destroyed")
	}
	s.queue = append(s.queue, op)
	s.issued++
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func (s *Stream) run() {
	defer close(s.exited)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 {
			if s.closed {
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			<-s.wake
			s.mu.Lock()
		}
		op := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()

		var err error
		if s.cancel.Load() {
			err = errcode.New(errcode.InnerError, "operation never ran: its stream was shut down (finalize) first")
		} else {
			err = runOp(op, s.cancel.Load)
		}

		s.mu.Lock()
		if err != nil {
			if s.firstErr == nil {
				s.firstErr = err
			}
			s.failures++
		}
		s.done++
		close(s.progress)
		s.progress = make(chan struct{})
		s.mu.Unlock()
	}
}

// runOp runs op, turning a panic into an error so that one bad operation
// cannot end the process.
func runOp(op Op, cancelled func() bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errcode.New(errcode.InnerError, "stream operation failed: %v", r)
		}
	}()
	return op(cancelled)
}

// Sync waits up to timeout (negative: no limit) for every operation enqueued
// before the call. finished is false when the time ran out first. When they
// have finished, err is the first error any operation hit since the previous
// Sync (the number of failures is added when there were several), and the
// stream's error state is cleared.
func (s *Stream) Sync(timeout time.Duration) (finished bool, err error) {
	if !s.Drain(timeout) {
		return false, nil
	}
	s.mu.Lock()
	err, n := s.firstErr, s.failures
	s.firstErr, s.failures = nil, 0
	s.mu.Unlock()
	if err != nil && n > 1 {
		err = errcode.Wrap(errcode.InnerError, err, fmt.Sprintf("%d stream operations failed, the first", n))
	}
	return true, err
}

// Drain waits up to timeout (negative: no limit) for every operation
// enqueued before the call, like Sync, but leaves the stream's errors for the
// next Sync to report.
func (s *Stream) Drain(timeout time.Duration) (finished bool) {
	s.mu.Lock()
	target := s.issued
	s.mu.Unlock()
	var deadline <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		s.mu.Lock()
		if s.done >= target {
			s.mu.Unlock()
			return true
		}
		progress := s.progress
		s.mu.Unlock()
		select {
		case <-progress:
		case <-deadline:
			return false
		}
	}
}

// Pending is the number of operations enqueued and not finished yet.
func (s *Stream) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.issued - s.done)
}

// Close lets the goroutine end once the queue is empty and refuses new
// operations. With cancel, operations not started yet are skipped (each
// counted as an error) and running ones are asked to give up. It waits for
// the goroutine to end.
func (s *Stream) Close(cancel bool) {
	if cancel {
		s.cancel.Store(true)
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.exited
}
