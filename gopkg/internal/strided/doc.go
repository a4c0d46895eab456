// Package strided does the address arithmetic of the strided transfers
// (shmem_iput / shmem_iget): nelems elements of size bytes, stride elements
// apart. It checks that a layout fits the address space before anyone
// touches memory, so the copy loops above it can add without overflow.
package strided
