package interrupt

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// sigint is the byte CPython writes to the wakeup fd for SIGINT.
const sigint = byte(syscall.SIGINT)

var (
	epoch atomic.Uint64
	// done is closed when the epoch moves, then replaced.
	done atomic.Pointer[chan struct{}]
	// raiseMu serialises Raise: one close per channel.
	raiseMu sync.Mutex

	watchMu  sync.Mutex
	watching *os.File
)

func init() {
	ch := make(chan struct{})
	done.Store(&ch)
}

// Raise starts a new interrupt epoch: every blocking call that took its Mark
// before gives up. The watcher calls it on SIGINT; tests call it directly.
func Raise() {
	raiseMu.Lock()
	defer raiseMu.Unlock()
	epoch.Add(1) // before the close, so a waiter woken by it sees the new epoch
	next := make(chan struct{})
	old := done.Swap(&next)
	close(*old)
}

// Mark is the interrupt state when a blocking call started to block. A call
// keeps one Mark for its whole duration (a zero Mark, passed by pointer, is
// taken where the call first blocks), so an interrupt between two of its
// sleeps is not lost; a call that never blocks never takes it.
type Mark struct {
	epoch uint64
	done  <-chan struct{}
	taken bool
}

// Now takes a Mark. It reads the epoch and its channel under Raise's lock,
// so the channel is closed exactly by the first interrupt after the Mark. It
// costs an uncontended lock: blocking calls take it only once they block.
func Now() Mark {
	raiseMu.Lock()
	defer raiseMu.Unlock()
	return Mark{epoch: epoch.Load(), done: *done.Load(), taken: true}
}

// Take takes m now unless it was taken already. A nil m stands for a call
// that cannot be interrupted.
func (m *Mark) Take() {
	if m != nil && !m.taken {
		*m = Now()
	}
}

// Err is an Interrupted error when an interrupt came after m was taken (nil
// for a nil or untaken m).
func (m *Mark) Err() error {
	if m != nil && m.taken && epoch.Load() != m.epoch {
		return Err()
	}
	return nil
}

// Done is closed by the first interrupt after m was taken: select on it
// beside the channel a call waits for. It is nil, which blocks forever, for a
// nil or untaken m.
func (m *Mark) Done() <-chan struct{} {
	if m == nil {
		return nil
	}
	return m.done
}

// Epoch is the current interrupt epoch: one atomic load, for code that must
// notice an interrupt without taking a Mark (a timer callback, say).
func Epoch() uint64 { return epoch.Load() }

// Err is the error of an interrupted call.
func Err() error {
	return errcode.New(errcode.Interrupted, "interrupted by a signal (Ctrl-C)")
}

// Is reports whether err says a call was interrupted.
func Is(err error) bool { return errcode.CodeOf(err) == errcode.Interrupted }

// Watch reads the wakeup fd of CPython's signal module (fd: the read end of a
// non-blocking pipe whose write end the facade gave signal.set_wakeup_fd) and
// raises an interrupt on every SIGINT. forward, when not -1, is the wakeup fd
// that was set before: every byte read is passed on to it, so the program
// that set it still hears of its signals. Watch takes ownership of fd; a
// second call replaces the first watcher.
func Watch(fd, forward int) error {
	if fd < 0 {
		return errcode.New(errcode.InvalidParam, "wakeup fd %d", fd)
	}
	f := os.NewFile(uintptr(fd), "shmem-signal-wakeup")
	if f == nil {
		return errcode.New(errcode.InvalidParam, "wakeup fd %d is not open", fd)
	}
	watchMu.Lock()
	old := watching
	watching = f
	watchMu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	go watch(f, forward)
	return nil
}

// watch forwards with a raw write: an *os.File for the forwarded fd would
// close it when collected, and the fd is not ours.
func watch(f *os.File, forward int) {
	buf := make([]byte, 64)
	for {
		n, err := f.Read(buf)
		for _, b := range buf[:n] {
			if b == sigint {
				Raise()
				break
			}
		}
		if n > 0 && forward >= 0 {
			// A failed write is the owner's to notice: CPython drops bytes
			// too when a wakeup fd is full.
			_, _ = syscall.Write(forward, buf[:n])
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return // closed by a later Watch, or the pipe is gone
		}
	}
}

// Context returns a child of parent that is cancelled at the next interrupt,
// for blocking code built on contexts (the rendezvous at init). Interrupted
// tells afterwards whether the interrupt was the cause.
func Context(parent context.Context) (ctx context.Context, cancel context.CancelFunc, interrupted func() bool) {
	m := Now()
	ctx, cancel = context.WithCancel(parent)
	go func() {
		select {
		case <-m.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel, func() bool { return m.Err() != nil }
}
