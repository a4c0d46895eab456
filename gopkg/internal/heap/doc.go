// Package heap is a PE's symmetric heap: the shared-memory segment that holds
// it and the allocator that places blocks in it.
//
// Every segment is laid out as [sync area | user heap]: SyncAreaSize bytes at
// offset 0 hold the runtime's own shared words (barriers, signal waiter
// counts; the packages that use them define what sits where), and the user
// heap starts at UserOffset. The user area holds two heaps, Ascend's memory
// types (Regions): DEVICE_SIDE at its start and HOST_SIDE past a gap, each
// with an Allocator of its own. Each PE creates its segment (a memfd: it has
// no name, and the kernel frees it with the last process that holds it), its
// peers on the same host attach it through its Handle, and the creator
// releases its descriptor as soon as all have attached. Nothing a killed PE
// held can outlive it, whoever launched it and whenever it died.
//
// The Allocator is the local half of the collective allocator: every PE runs
// the same Alloc/Free sequence with the same arguments, and the algorithm is
// deterministic, so a block has the same offset on every PE.
package heap
