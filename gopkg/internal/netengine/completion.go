package netengine

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
)

// Quiet waits for every NBI operation this PE issued before it and returns
// the first error any NBI operation hit since the last Quiet, clearing it.
// A peer that dropped its connection with NBI operations outstanding is
// such an error (errcode.BootstrapError naming the PE).
func (e *Engine) Quiet() error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if err := e.completeNBI(e.cfg.OpTimeout); err != nil {
		e.recordNBI(err)
	}
	return e.takeNBIErr()
}

// Fence orders this PE's earlier puts to each PE before its later ones. Every
// operation to a PE travels one connection, in order, and the PE applies
// them in that order, so there is nothing to wait for.
func (e *Engine) Fence() error {
	if !e.gate.Enter() {
		return errClosed
	}
	e.gate.Leave()
	return nil
}

// flushWait is a flush in flight to one peer.
type flushWait struct {
	p *peer
	w *waiter
}

// completeNBI sends a flush to every peer with NBI operations not known to
// be complete and waits for the answers (at most timeout when it is > 0).
// Answers come in order, so a flush's answer means every operation queued
// before it was applied, and their failures were recorded. Peers with
// nothing outstanding cost two atomic loads.
func (e *Engine) completeNBI(timeout time.Duration) error {
	peers := e.peers.Load()
	if peers == nil {
		return nil
	}
	var flushes []flushWait
	for _, p := range *peers {
		if p == nil || p.completeBelow.Load() > p.lastNBI.Load() {
			continue
		}
		w := getWaiter()
		if _, err := p.submit(item{op: opFlush}, w, false); err != nil {
			// Failed meanwhile: fail recorded the lost operations.
			w.release()
			continue
		}
		flushes = append(flushes, flushWait{p, w})
	}
	if len(flushes) == 0 {
		return nil // nothing outstanding: no timer, no allocation
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var first error
	mark := interrupt.Now()
	for _, f := range flushes {
		// A failed flush needs no report of its own: the peer's failure
		// recorded the NBI operations it lost.
		if !f.w.waitUntil(expired, mark.Done()) && first == nil {
			if err := mark.Err(); err != nil {
				return err // the outstanding operations stay outstanding
			}
			first = errcode.New(errcode.TimeoutError, "PE %d did not complete outstanding NBI operations within %s",
				f.p.pe, timeout)
			expired = closedChannel // the others get no more time
		}
	}
	return first
}

// closedChannel is ready at once.
var closedChannel = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()
