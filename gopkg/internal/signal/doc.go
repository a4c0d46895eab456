// Package signal holds the 32- and 64-bit atomics, signal words and
// wait-until of shmem on raw addresses inside shared memory.
//
// The words live in segments that several processes map, often at different
// virtual addresses, so every access is a real atomic instruction
// (sync/atomic on a pointer made from the address) and every sleep is a
// shared (not FUTEX_PRIVATE_FLAG) futex, keyed by the kernel on the backing
// page rather than on the address.
//
// Waiting spins briefly, yields the CPU a few times, then sleeps on a futex.
// Writers wake sleepers only when a wake block (see WakeBlockSize and
// wake.go) says someone may be asleep, so a write that nobody waits for
// costs no system call.
package signal
