package api

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/job"
)

// P2p is the point-to-point synchronisation family (aclshmem_<T>_test*,
// aclshmem_<T>_wait*): op and kind are p2p's codes, ivars a symmetric
// address of this PE, nelems the variable count, indices/status/values/
// resOut local addresses or 0. value carries an integer operand (uint64 in
// two's complement), fvalue a float one. The answer comes back as int64
// (SIZE_MAX as -1) and, when resOut is set, is written there too.
func P2p(op, kind int, ivars, nelems, indices, status int64, cmp int, value int64, fvalue float64,
	values, resOut int64) (res int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if ivars < 0 || indices < 0 || status < 0 || values < 0 || resOut < 0 {
		return 0, errcode.New(errcode.InvalidParam, "ivars, indices, status, cmp_values and res_out must be addresses")
	}
	got, err := j.P2P(job.P2PCall{Op: op, Kind: kind, Cmp: cmp, Ivars: uintptr(ivars), N: nelems,
		Indices: uintptr(indices), Status: uintptr(status), Value: value, FValue: fvalue,
		Values: uintptr(values), ResOut: uintptr(resOut)})
	return int64(got), err
}

// Sync is aclshmem_sync / shmem_sync on team id: waits for every member,
// without completing this PE's outstanding transfers.
func Sync(id int) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	return 0, j.Sync(id)
}

// WatchSignals makes Ctrl-C end blocking calls: fd is the read end of the
// pipe whose write end the facade gave signal.set_wakeup_fd (the runtime
// takes ownership of it), forward the wakeup fd set before (-1: none), which
// keeps receiving every byte.
func WatchSignals(fd, forward int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, interrupt.Watch(fd, forward)
}
