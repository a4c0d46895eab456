// Package engine moves bytes between this process's memory and the symmetric
// heaps of PEs on the same host whose heaps are mapped into this process.
//
// The job hands it its reachability table (package transport): where each
// PE's user heap is mapped here, and which PEs are alive. Two engines
// implement transport.Transport, as the network engine does:
//
//   - NewDirect (MTE): the calling goroutine copies with load/store. NBI calls
//     copy at once, so Quiet has nothing to wait for. Put/Get of a few bytes
//     cost tens of nanoseconds and allocate nothing: the hot path is two atomic
//     adds (the close gate), bounds checks and a memmove under fault recovery.
//   - NewCopyEngine (SDMA): a FIFO queue served by worker goroutines. A transfer
//     is split into ChunkSize pieces that the workers claim one at a time, so
//     one big copy keeps every worker busy. Blocking calls enqueue and wait; NBI
//     calls enqueue and return. Transfers of at most InlineLimit bytes (blocking
//     or NBI) are copied inline by the caller instead, because handing them to a
//     worker costs more than the copy; their errors are returned by the call.
//
// SetChunkSize applies to the copy engine's later transfers; the direct engine
// keeps the value (ChunkSize reports it) but never splits a copy.
//
// Every call is checked before memory is touched: the PE exists, its heap is
// mapped here and it is alive (the table's Addr), the remote range lies inside
// the heap (overflow-safe), the local range does not wrap. Atomics apply a
// real atomic instruction to the word as mapped here, in the calling
// goroutine, on both engines. n == 0 is a no-op that succeeds whatever the other
// arguments are (the API says elem_size == 0 does nothing).
//
// The local side is a raw address from the user. The copy runs with
// debug.SetPanicOnFault(true) in the goroutine doing it, and a fault becomes an
// error: errcode.InvalidParam naming the local address, or errcode.SmemError
// when the fault lies in the peer's heap (its segment vanished). A faulting copy
// may have moved some bytes before the fault.
//
// Completion: on the copy engine Quiet waits for every NBI transfer issued
// before it (epochs, so other goroutines issuing more cannot starve it) and
// returns the first error any NBI transfer hit since the last Quiet. Errors a
// call detects before returning (checks, inline copies) are returned by that
// call and never reach Quiet.
//
// Fence on the copy engine waits for the completion of every NBI transfer issued
// before it (without consuming their errors, which stay for Quiet). That is the
// simplest correct choice: nothing issued later can overtake what is already
// done. On the direct engine every put is complete when it returns, so Fence and
// Quiet only check the engine is open.
//
// Close rejects new calls, waits for the calls in progress and for outstanding
// NBI transfers, stops the workers and returns the NBI error nobody collected.
// It is idempotent; afterwards every call returns errcode.NotInited.
package engine
