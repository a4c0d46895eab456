package callgate

import (
	"sync/atomic"
	"time"
)

// Gate lets calls in until it is shut, and lets Close wait for the calls
// already inside: the heaps may be unmapped right after an engine's Close, so
// no copy may still be running then. It costs a call two atomic adds and a
// load, no lock. The zero value is an open gate.
type Gate struct {
	inside atomic.Int64
	shut   atomic.Bool
}

// Enter admits a call; false once the gate is shut. The increment comes
// before the check so that Close, which sets shut before reading inside,
// either sees this call or this call sees shut (atomics are sequentially
// consistent).
func (g *Gate) Enter() bool {
	g.inside.Add(1)
	if g.shut.Load() {
		g.inside.Add(-1)
		return false
	}
	return true
}

func (g *Gate) Leave() {
	g.inside.Add(-1)
}

// Shut refuses every later call; the ones inside go on.
func (g *Gate) Shut() { g.shut.Store(true) }

// Wait returns once no call is inside. Calls finish quickly (a copy, or a
// network operation failing on a closed connection), so a short sleep loop
// is enough and keeps Enter lock-free.
func (g *Gate) Wait() {
	for g.inside.Load() != 0 {
		time.Sleep(20 * time.Microsecond)
	}
}

// Close shuts the gate and waits until no call is inside.
func (g *Gate) Close() {
	g.Shut()
	g.Wait()
}
