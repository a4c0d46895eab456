// Package transport is the one interface through which the job moves data
// to and from the symmetric heaps of PEs, whatever carries it, and the one
// table that says how each PE is reached.
//
// Two families of engines implement Transport: the same-host engines of
// package engine (MTE: the caller copies by load/store; SDMA: a copy engine's
// workers copy), which reach PEs whose heaps are mapped into this process,
// and the network engine of package netengine, which reaches the others over
// TCP. Puts, gets, their NBI forms, put-with-signal, atomics, Quiet, Fence
// and Close mean the same on both; the shared conformance suite in
// transporttest holds them to it.
//
// Table is built once, when the job has mapped the heaps it can: per PE, the
// address of its heap here (load/store, "mapped") or none (network), and
// whether it is alive. The same-host engines resolve addresses through it,
// and Router, which a job with PEs on other hosts puts in front of its two
// engines, sends each call to the engine the table names. A job on one host
// uses its local engine directly: its hot path has no extra hop.
//
// What both engines would otherwise each keep is here once: the first NBI
// failure awaiting Quiet (FirstError), the chunk size of large transfers and
// its default (ChunkSize), the close-once bookkeeping (CloseOnce), the
// checks of atomics and signals, and the errors every engine reports alike.
package transport
