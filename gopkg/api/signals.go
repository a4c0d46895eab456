package api

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
)

// PutmemSignal is shmem_putmem_signal (nbi 0) and shmem_putmem_signal_nbi
// (nbi 1): the data, then the 32-bit signal word at sig on pe.
func PutmemSignal(dst, src, n, sig, signal int64, sigOp, pe, nbi int) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if dst < 0 || src < 0 || n < 0 || sig < 0 {
		return 0, errcode.New(errcode.InvalidParam, "dst %d, src %d, elem_size %d and sig %d must not be negative", dst, src, n, sig)
	}
	t, start := profStart()
	err = j.PutSignal(uintptr(dst), uintptr(src), uintptr(n), uintptr(sig), signal, sigOp, pe, nbi != 0)
	if t != nil {
		t.Add(prof.PutSignal, pe, n, int64(time.Since(start)))
	}
	return 0, err
}

// SignalFetch is shmem_signal_fetch: this PE's signal word at sig.
func SignalFetch(sig int64) (v int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	p, err := addr(sig, "sig")
	if err != nil {
		return 0, err
	}
	got, err := j.SignalFetch(p)
	return int64(got), err
}

// SignalWaitUntil is shmem_signal_wait_until: waits until this PE's signal
// word at sig compares to value as cmp (SHMEM_CMP_*) asks; returns it.
func SignalWaitUntil(sig int64, cmp int, value int64) (v int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	p, err := addr(sig, "sig")
	if err != nil {
		return 0, err
	}
	t, start := profStart()
	got, err := j.SignalWaitUntil(p, cmp, value)
	if t != nil {
		t.Add(prof.SignalWait, j.Rank(), 0, int64(time.Since(start)))
	}
	return int64(got), err
}
