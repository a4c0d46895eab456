package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/callgate"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// direct is the MTE engine: the calling goroutine copies by load/store.
type direct struct {
	heaps     heapMap
	gate      callgate.Gate
	chunkSize transport.ChunkSize
	closer    transport.CloseOnce
}

// NewDirect returns the MTE engine: every call, NBI ones included, copies in
// the calling goroutine before it returns.
func NewDirect(cfg Config) (Transport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &direct{heaps: cfg.heaps()}
	d.chunkSize.Init(cfg.ChunkSize)
	return d, nil
}

func (d *direct) Put(pe int, dstOff, src, n uintptr) error {
	return d.copy(toPeer, pe, src, dstOff, n)
}

func (d *direct) Get(dst uintptr, pe int, srcOff, n uintptr) error {
	return d.copy(fromPeer, pe, dst, srcOff, n)
}

// PutNBI is Put: the copy is done on return, so its error is returned now.
func (d *direct) PutNBI(pe int, dstOff, src, n uintptr) error {
	return d.copy(toPeer, pe, src, dstOff, n)
}

// GetNBI is Get, as PutNBI is Put.
func (d *direct) GetNBI(dst uintptr, pe int, srcOff, n uintptr) error {
	return d.copy(fromPeer, pe, dst, srcOff, n)
}

// PutSignal copies, then applies sig: both are done when it returns.
func (d *direct) PutSignal(pe int, dstOff, src, n uintptr, sig Signal, _ bool) error {
	if !d.gate.Enter() {
		return errClosed
	}
	defer d.gate.Leave()
	// The signal is checked first: a bad one moves no data. Resolving it
	// asks the table whether pe is alive, so a signal alone (n == 0) never
	// lands in a dead PE's heap either.
	ws, err := d.heaps.resolveSignal(pe, sig)
	if err != nil {
		return err
	}
	// copy enters the gate again (a second count, no lock), so the put alone
	// keeps its hot path to one call.
	if err := d.copy(toPeer, pe, src, dstOff, n); err != nil {
		return err
	}
	return ws.apply()
}

// Atomic applies op in the calling goroutine: a real atomic instruction on
// the word as mapped here.
func (d *direct) Atomic(pe, op, width int, off uintptr, operand, cond int64) (int64, error) {
	if !d.gate.Enter() {
		return 0, errClosed
	}
	defer d.gate.Leave()
	return d.heaps.atomic(pe, op, width, off, operand, cond)
}

// copy is the hot path: no lock, no allocation unless it fails.
func (d *direct) copy(dir direction, pe int, local, off, n uintptr) error {
	if !d.gate.Enter() {
		return errClosed
	}
	defer d.gate.Leave()
	if n == 0 {
		return nil
	}
	req, err := newRequest(&d.heaps, dir, pe, local, off, n)
	if err != nil {
		return err
	}
	if err := req.copyAll(); err != nil {
		return err
	}
	req.landed()
	return nil
}

// Quiet has nothing to wait for: every transfer completed in its call. The
// gate's atomic read-modify-write is a full barrier, so earlier stores are
// globally visible before Quiet returns.
func (d *direct) Quiet() error {
	return d.check()
}

// Fence: puts complete in program order, so ordering needs nothing more.
func (d *direct) Fence() error {
	return d.check()
}

func (d *direct) check() error {
	if !d.gate.Enter() {
		return errClosed
	}
	d.gate.Leave()
	return nil
}

// SetChunkSize keeps the size for ChunkSize; direct copies are never split.
func (d *direct) SetChunkSize(n uintptr) error {
	if err := d.check(); err != nil {
		return err
	}
	return d.chunkSize.Set(n)
}

func (d *direct) ChunkSize() uintptr {
	return d.chunkSize.Load()
}

// Close waits for the copies in progress in other goroutines.
func (d *direct) Close() error {
	return d.closer.Do(func() error {
		d.gate.Close()
		return nil
	})
}
