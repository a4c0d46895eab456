package collective

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// invalidParam reports a bad argument (SHMEM_INVALID_PARAM).
func invalidParam(format string, args ...any) error {
	return errcode.New(errcode.InvalidParam, "collective: "+format, args...)
}

// faultError reports a memory fault while reading or writing a heap.
func faultError(fault any) error {
	return errcode.New(errcode.SmemError, "collective: memory fault (a heap was unmapped during the operation?): %v", fault)
}
