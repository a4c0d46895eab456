package netengine

import (
	"sync/atomic"
	"time"
)

// gate lets calls in until it is shut, and lets Close wait for the calls
// already inside (as gopkg/engine's gate, with shutting and waiting apart:
// Close shuts first, drains the NBI work, closes the connections so blocked
// calls return, and only then waits).
type gate struct {
	inside atomic.Int64
	shut   atomic.Bool
}

// enter admits a call; false once the gate is shut. The increment comes
// before the check so that wait, which runs after shut was set, either sees
// this call or this call sees shut (atomics are sequentially consistent).
func (g *gate) enter() bool {
	g.inside.Add(1)
	if g.shut.Load() {
		g.inside.Add(-1)
		return false
	}
	return true
}

func (g *gate) leave() { g.inside.Add(-1) }

func (g *gate) close() { g.shut.Store(true) }

// wait returns once no call is inside; calls still inside at Close only
// finish their failing network operation, so polling briefly is enough.
func (g *gate) wait() {
	for g.inside.Load() != 0 {
		time.Sleep(20 * time.Microsecond)
	}
}
