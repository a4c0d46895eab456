// Package futex holds the few system calls of waiting on a word of shared
// memory that the signal and barrier packages both need: a futex wait and
// wake keyed on the page (so they reach other processes mapping it), a
// yield, and the CPU's spin-wait hint. It counts its sleeps and wakes so that
// tests can tell which phase a wait reached and that a release without
// sleepers stayed out of the kernel.
package futex
