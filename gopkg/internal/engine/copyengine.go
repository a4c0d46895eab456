package engine

import (
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/callgate"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// copyEngine is the SDMA engine: worker goroutines copy queued transfers.
type copyEngine struct {
	heaps     heapMap
	gate      callgate.Gate
	chunkSize transport.ChunkSize
	workers   int
	queue     workQueue
	nbi       completion
	running   sync.WaitGroup
	copied    []atomic.Uint64 // chunks copied per worker: shows a big transfer is spread
	// callerCopied counts chunks that blocking callers copied themselves.
	callerCopied atomic.Uint64

	closer transport.CloseOnce
}

// NewCopyEngine returns the SDMA engine with cfg.Workers worker goroutines.
// Transfers of at most InlineLimit bytes are copied by the caller.
func NewCopyEngine(cfg Config) (Transport, error) {
	e, err := newCopyEngine(cfg)
	if err != nil {
		return nil, err
	}
	e.start()
	return e, nil
}

// newCopyEngine builds the engine without its workers: transfers queue up
// until start (tests use the gap to change the world under a queued transfer).
func newCopyEngine(cfg Config) (*copyEngine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &copyEngine{heaps: cfg.heaps(), workers: cfg.Workers}
	e.chunkSize.Init(cfg.ChunkSize)
	e.queue.init()
	e.nbi.init()
	e.copied = make([]atomic.Uint64, cfg.Workers)
	return e, nil
}

func (e *copyEngine) start() {
	e.running.Add(e.workers)
	for id := range e.workers {
		go e.work(&e.copied[id])
	}
}

// work serves the queue until Close stops it. The fault flag is per
// goroutine, so each worker sets its own: a bad address is an error of the
// transfer, never a crash.
func (e *copyEngine) work(copied *atomic.Uint64) {
	defer e.running.Done()
	defer restorePanicOnFault(setPanicOnFault())
	for t := e.queue.pop(); t != nil; t = e.queue.pop() {
		t.run(copied)
	}
}

func (e *copyEngine) Put(pe int, dstOff, src, n uintptr) error {
	return e.copy(toPeer, pe, src, dstOff, n, false)
}

func (e *copyEngine) Get(dst uintptr, pe int, srcOff, n uintptr) error {
	return e.copy(fromPeer, pe, dst, srcOff, n, false)
}

func (e *copyEngine) PutNBI(pe int, dstOff, src, n uintptr) error {
	return e.copy(toPeer, pe, src, dstOff, n, true)
}

func (e *copyEngine) GetNBI(dst uintptr, pe int, srcOff, n uintptr) error {
	return e.copy(fromPeer, pe, dst, srcOff, n, true)
}

func (e *copyEngine) PutSignal(pe int, dstOff, src, n uintptr, sig Signal, nbi bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	// Checked first, so a bad signal moves no data; resolving it asks the
	// table whether pe is alive, so a signal alone never lands in a dead
	// PE's heap either.
	ws, err := e.heaps.resolveSignal(pe, sig)
	if err != nil {
		return err
	}
	// copyThen enters the gate again (a second count, no lock), so a put
	// alone keeps its hot path to one call.
	return e.copyThen(toPeer, pe, src, dstOff, n, &ws, nbi)
}

// Atomic applies op in the calling goroutine: a real atomic instruction on
// the word as mapped here, after every earlier blocking put (those are done
// when they return); NBI puts are ordered only by Quiet or Fence.
func (e *copyEngine) Atomic(pe, op, width int, off uintptr, operand, cond int64) (int64, error) {
	if !e.gate.Enter() {
		return 0, errClosed
	}
	defer e.gate.Leave()
	return e.heaps.atomic(pe, op, width, off, operand, cond)
}

func (e *copyEngine) copy(dir direction, pe int, local, off, n uintptr, nbi bool) error {
	return e.copyThen(dir, pe, local, off, n, nil, nbi)
}

// copyThen copies and, when sig is not nil, applies it after the data.
func (e *copyEngine) copyThen(dir direction, pe int, local, off, n uintptr, sig *wordSignal, nbi bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if n == 0 {
		return applySignal(sig)
	}
	req, err := newRequest(&e.heaps, dir, pe, local, off, n)
	if err != nil {
		return err
	}
	if n <= InlineLimit {
		if err := req.copyAll(); err != nil {
			return err
		}
		req.landed()
		return applySignal(sig)
	}
	t := newTransfer(req, e.chunkSize.Load())
	if sig != nil {
		t.sig, t.hasSig = *sig, true
	}
	if nbi {
		t.tracker, t.epoch = &e.nbi, e.nbi.register()
		e.queue.push(t, int(min(t.chunks, uintptr(e.workers))))
		return nil
	}
	// A blocking caller copies chunks itself rather than sleep while a parked
	// worker wakes up (that hand-off alone cost 5-70 us); the workers join in
	// for the chunks it has not reached yet.
	t.done = make(chan struct{})
	if t.chunks > 1 {
		e.queue.push(t, int(min(t.chunks-1, uintptr(e.workers))))
	}
	t.run(&e.callerCopied)
	<-t.done
	return t.err
}

// Quiet waits for the NBI transfers issued before it and collects their error.
func (e *copyEngine) Quiet() error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	e.nbi.drain()
	return e.nbi.takeErr()
}

// Fence waits for the NBI transfers issued before it, so no later put can
// overtake them; their errors stay for Quiet.
func (e *copyEngine) Fence() error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	e.nbi.drain()
	return nil
}

// SetChunkSize applies to transfers issued after it.
func (e *copyEngine) SetChunkSize(n uintptr) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	return e.chunkSize.Set(n)
}

func (e *copyEngine) ChunkSize() uintptr {
	return e.chunkSize.Load()
}

// Close waits for calls in progress and NBI transfers, stops the workers and
// returns the NBI error no Quiet collected, so that it is not lost.
func (e *copyEngine) Close() error {
	return e.closer.Do(func() error {
		e.gate.Close()
		e.nbi.drain()
		err := e.nbi.takeErr()
		e.queue.stop()
		e.running.Wait()
		return err
	})
}
