package team

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// invalidParam reports a bad argument (SHMEM_INVALID_PARAM).
func invalidParam(format string, args ...any) error {
	return errcode.New(errcode.InvalidParam, "team: "+format, args...)
}

// innerError reports a broken exchange or exhausted ids (SHMEM_INNER_ERROR).
func innerError(format string, args ...any) error {
	return errcode.New(errcode.InnerError, "team: "+format, args...)
}

// exchangeError keeps the code of a failed exchange (a timeout stays a
// timeout) and calls anything uncoded a bootstrap error.
func exchangeError(err error) error {
	return errcode.Wrap(errcode.BootstrapError, err, "team: exchange")
}
