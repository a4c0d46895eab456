package engine

import (
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/callgate"
)

// copyEngine is the SDMA engine: worker goroutines copy queued transfers.
type copyEngine struct {
	heaps     heapMap
	gate      callgate.Gate
	chunkSize atomic.Uintptr
	workers   int
	queue     workQueue
	nbi       completion
	running   sync.WaitGroup
	copied    []atomic.Uint64 // chunks copied per worker: shows a big transfer is spread
	// callerCopied counts chunks that blocking callers copied themselves.
	callerCopied atomic.Uint64

	closeMu sync.Mutex
	closed  bool
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
	e := &copyEngine{heaps: heapMap{bases: cfg.Bases, size: cfg.HeapSize, trusted: cfg.TrustHeaps, live: cfg.Live,
		wakes: cfg.Wakes}, workers: cfg.Workers}
	e.chunkSize.Store(cfg.ChunkSize)
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
	return e.copyThen(toPeer, pe, src, dstOff, n, &sig, nbi)
}

func (e *copyEngine) copy(dir direction, pe int, local, off, n uintptr, nbi bool) error {
	return e.copyThen(dir, pe, local, off, n, nil, nbi)
}

// copyThen copies and, when sig is not nil, applies it after the data.
func (e *copyEngine) copyThen(dir direction, pe int, local, off, n uintptr, sig *Signal, nbi bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if n == 0 {
		if err := e.heaps.live.Check(pe); err != nil {
			return err
		}
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
	if n == 0 {
		return errBadChunkSize()
	}
	e.chunkSize.Store(n)
	return nil
}

func (e *copyEngine) ChunkSize() uintptr {
	return e.chunkSize.Load()
}

// Close waits for calls in progress and NBI transfers, stops the workers and
// returns the NBI error no Quiet collected, so that it is not lost.
func (e *copyEngine) Close() error {
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.gate.Close()
	e.nbi.drain()
	err := e.nbi.takeErr()
	e.queue.stop()
	e.running.Wait()
	return err
}
