// Package p2p is OpenSHMEM's point-to-point synchronisation on symmetric
// variables of this PE: test and wait-until on one variable, on all, any or
// some of an array of them (an optional status mask leaves entries out), each
// against one value or a vector of values, for every integer width and
// float32.
//
// Variables are read with atomic loads (one- and two-byte variables through
// the aligned 32-bit word holding them), so a concurrent writer never tears
// them. A wait blocks in signal.Wait on the wake block of this PE's segment:
// every library write to the segment wakes it (package signal, wake.go).
package p2p
