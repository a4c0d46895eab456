// Package liveness is the job's record of which PEs are known dead. The
// rendezvous marks a PE when its connection drops without finalize; every
// data path to a PE (the engines, atomics, shmem_ptr) asks before it touches
// that PE's memory, so that nothing reads or writes the heap of a PE that has
// died: its mapping outlives it, and a copy would succeed silently.
//
// The question costs one atomic load and never allocates, so it sits on the
// hot path of every put, get and atomic.
package liveness
