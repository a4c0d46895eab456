// Package errcode holds the error codes of the shmem API (the values of the
// Ascend SHMEM library) and the error type that carries one through the Go
// runtime up to the Python facade, which turns it into shmem.ShmemError.
package errcode
