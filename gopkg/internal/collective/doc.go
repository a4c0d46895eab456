// Package collective runs the collective operations of a team: broadcast,
// fcollect (all-gather), alltoall and the all-reductions sum, prod, min, max,
// and, or, xor over the integer and floating-point types of NumPy.
//
// The algorithms work on symmetric byte ranges through a Comm, one member's
// view of its team, which the job layer implements over its mapped heaps and
// its engine (and the Go tests over plain Go memory with goroutines).
//
// # Pulling, not pushing
//
// Every member only writes its own memory and reads its peers': a member
// pulls what it needs, straight from a peer's mapped heap when Comm.Peer gives
// an address, through Comm.Get otherwise. Members then never write the same
// cache lines, and the copies of different members run in parallel.
//
// # Barriers
//
// Every collective starts with the team's barrier (every member's source is
// ready and its destination free to overwrite) and ends with one (every
// member has finished reading the others' memory, so the buffers may be
// reused at once). Arguments are checked before the first barrier, so a bad
// call made alike on every member fails everywhere without waiting.
//
// # All-reduce
//
// Small reductions (at most smallReduceBytes read per member) let every
// member reduce the whole array itself from all sources: two barriers. Larger
// ones reduce-scatter and all-gather: member r reduces chunk r of all sources
// into its own destination, a barrier, then every member copies the other
// chunks from their owners' destinations, and a final barrier; the bytes each
// member reads are about twice the array instead of the team size times it.
// Sources are always combined in rank order, ((s0 op s1) op s2) ..., so every
// member gets bit-identical results, and they equal a sequential NumPy
// reduction in rank order. Integer arithmetic wraps as in NumPy; min and max
// of floats propagate NaN as numpy.minimum/maximum do.
//
// # Overlapping source and destination
//
// Destination and source may be the same range (in place) or overlap in any
// way. Where writing the destination early would change a source a peer
// still reads, the result is first built in a private Go buffer and written
// after an extra barrier. An exactly in-place reduce-scatter needs no staging:
// chunk r of member r's source is read by member r alone.
//
// # Faults
//
// Peers' memory is read directly. Each operation runs with
// debug.SetPanicOnFault, so a heap unmapped under it (finalize in another
// thread) yields an error instead of killing the process.
package collective
