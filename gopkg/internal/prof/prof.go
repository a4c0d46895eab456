// Package prof counts what a PE's calls do, per operation kind and target PE:
// calls, bytes and nanoseconds. A Table exists only while profiling is on;
// callers hold it behind an atomic pointer, so profiling off costs one atomic
// load per call.
package prof

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Rows and columns of a table, as Ascend's profiling data has them (blocks x
// frames): here rows are operation kinds, columns target PEs.
const (
	MaxKinds = 64
	MaxPeers = 1024
)

// Operation kinds (rows).
const (
	Put = iota
	Get
	PutNbi
	GetNbi
	PutSignal
	SignalWait
	Atomic
	Quiet
	Barrier
	PutOnStream
	GetOnStream
	SignalOpOnStream
	SignalWaitOnStream
	QuietOnStream
	BarrierOnStream
	numKinds
)

// KindNames names the rows, for the printed table.
var KindNames = [numKinds]string{
	"put", "get", "put_nbi", "get_nbi", "put_signal", "signal_wait", "atomic", "quiet", "barrier",
	"put_on_stream", "get_on_stream", "signal_op_on_stream", "signal_wait_on_stream", "quiet_on_stream",
	"barrier_on_stream",
}

// Table holds one PE's counters.
type Table struct {
	PE    int
	peers int
	calls []atomic.Int64
	bytes []atomic.Int64
	nanos []atomic.Int64
}

// New makes the table of PE pe in a job of npes PEs.
func New(pe, npes int) *Table {
	peers := min(max(npes, 1), MaxPeers)
	n := numKinds * peers
	return &Table{PE: pe, peers: peers, calls: make([]atomic.Int64, n), bytes: make([]atomic.Int64, n),
		nanos: make([]atomic.Int64, n)}
}

// Add counts one call of kind to peer (a PE, or -1 for calls without one:
// they count in column 0) that moved n bytes in ns nanoseconds. Peers beyond
// MaxPeers are not counted.
func (t *Table) Add(kind, peer int, n, ns int64) {
	if peer < 0 {
		peer = 0
	}
	if kind < 0 || kind >= numKinds || peer >= t.peers {
		return
	}
	i := kind*t.peers + peer
	t.calls[i].Add(1)
	t.bytes[i].Add(n)
	t.nanos[i].Add(ns)
}

// Snapshot is the table as text: "pe" then one "kind,peer,calls,bytes,ns"
// line per non-zero cell, for the facade to build its ProfData from.
func (t *Table) Snapshot() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", t.PE)
	for k := range numKinds {
		for p := range t.peers {
			i := k*t.peers + p
			if c := t.calls[i].Load(); c != 0 {
				fmt.Fprintf(&b, "%d,%d,%d,%d,%d\n", k, p, c, t.bytes[i].Load(), t.nanos[i].Load())
			}
		}
	}
	return b.String()
}
