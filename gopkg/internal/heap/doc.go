// Package heap is a PE's symmetric heap: the shared-memory segment that holds
// it and the allocator that places blocks in it.
//
// Every segment is laid out as [sync area | user heap]: SyncAreaSize bytes at
// offset 0 hold the runtime's own shared words (barriers, signal waiter
// counts; the packages that use them define what sits where), and the user
// heap starts at UserOffset. Each PE creates its segment, its peers on the
// same host attach it, and the job unlinks the name as soon as all have
// attached, so a killed job leaves nothing in /dev/shm.
//
// The Allocator is the local half of the collective allocator: every PE runs
// the same Alloc/Free sequence with the same arguments, and the algorithm is
// deterministic, so a block has the same offset on every PE.
package heap
