package engine

import (
	"sync/atomic"
	"time"
)

// gate lets calls in until it is shut, and lets Close wait for the calls
// already inside: the heaps may be unmapped right after Close, so no copy may
// still be running then. It costs a call two atomic adds and a load, no lock.
type gate struct {
	inside atomic.Int64
	shut   atomic.Bool
}

// enter admits a call; false once the gate is shut. The increment comes
// before the check so that close, which sets shut before reading inside,
// either sees this call or this call sees shut (atomics are sequentially
// consistent).
func (g *gate) enter() bool {
	g.inside.Add(1)
	if g.shut.Load() {
		g.inside.Add(-1)
		return false
	}
	return true
}

func (g *gate) leave() {
	g.inside.Add(-1)
}

// close shuts the gate and waits until no call is inside. Calls finish their
// copy quickly, so a short sleep loop is enough and keeps enter lock-free.
func (g *gate) close() {
	g.shut.Store(true)
	for g.inside.Load() != 0 {
		time.Sleep(20 * time.Microsecond)
	}
}
