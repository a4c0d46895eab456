// Package shmtest is test support for code that works on shared memory
// across processes: a memfd region mapped MAP_SHARED, and children that are
// the test binary itself re-executed (the os/exec TestHelperProcess pattern),
// which map the same region at an address of their own.
//
// It is imported only by tests.
package shmtest
