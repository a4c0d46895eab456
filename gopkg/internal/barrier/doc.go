// Package barrier is the shared-memory barrier among the PEs of one team on
// one host.
//
// The barrier lives in a small block (BlockSize bytes) in the sync area of
// the team's root PE's segment, which every participant maps, at whatever
// address. It is a central counter with a generation: each participant adds
// itself to the counter; the last one to arrive resets the counter and bumps
// the generation in the same atomic add, then wakes the sleepers with one
// futex wake; the others wait (spin briefly, then futex) for the generation
// to move. A participant that times out takes its arrival back, so the block
// stays consistent and usable after a timeout.
package barrier
