package api

import (
	"encoding/json"
	"runtime"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/native"
)

// The data-movement calls. dst/src are addresses (the facade turns buffer
// objects into addresses); elem_size is a byte count. They return an error
// for every failure: a put that fails silently is lost data.

// Putmem is shmem_putmem: done (visible on pe) when it returns.
func Putmem(dst, src, n int64, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, transfer(dst, src, n, pe, true, false)
}

// Getmem is shmem_getmem: done (in dst) when it returns.
func Getmem(dst, src, n int64, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, transfer(dst, src, n, pe, false, false)
}

// PutmemNbi is shmem_putmem_nbi: complete at the next Quiet or barrier.
func PutmemNbi(dst, src, n int64, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, transfer(dst, src, n, pe, true, true)
}

// GetmemNbi is shmem_getmem_nbi: complete at the next Quiet or barrier.
func GetmemNbi(dst, src, n int64, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, transfer(dst, src, n, pe, false, true)
}

func transfer(dst, src, n int64, pe int, put, nbi bool) error {
	j := current.Load()
	if j == nil {
		return errNotInited
	}
	if dst < 0 || src < 0 || n < 0 {
		return errcode.New(errcode.InvalidParam, "dst %d, src %d and elem_size %d must not be negative", dst, src, n)
	}
	if t := profTable.Load(); t != nil {
		return profiledTransfer(t, j, dst, src, n, pe, put, nbi)
	}
	if put {
		return j.Put(uintptr(dst), uintptr(src), uintptr(n), pe, nbi)
	}
	return j.Get(uintptr(dst), uintptr(src), uintptr(n), pe, nbi)
}

// profiledTransfer is transfer's body while profiling is on.
func profiledTransfer(t *prof.Table, j *job.Job, dst, src, n int64, pe int, put, nbi bool) error {
	start := time.Now()
	var err error
	kind := prof.Get
	if put {
		kind = prof.Put
		err = j.Put(uintptr(dst), uintptr(src), uintptr(n), pe, nbi)
	} else {
		err = j.Get(uintptr(dst), uintptr(src), uintptr(n), pe, nbi)
	}
	if nbi {
		kind += prof.PutNbi - prof.Put
	}
	t.Add(kind, pe, n, int64(time.Since(start)))
	return err
}

// Quiet is shmem_quiet: completes every outstanding transfer of this PE.
func Quiet() (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	t, start := profStart()
	err = j.Quiet()
	if t != nil {
		t.Add(prof.Quiet, -1, 0, int64(time.Since(start)))
	}
	return 0, err
}

// Fence is shmem_fence: orders earlier puts to each PE before later ones.
func Fence() (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	return 0, j.Fence()
}

// BarrierAll is shmem_barrier_all: completes outstanding transfers and waits
// for every PE.
func BarrierAll() (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	t, start := profStart()
	err = j.BarrierAll()
	if t != nil {
		t.Add(prof.Barrier, -1, 0, int64(time.Since(start)))
	}
	return 0, err
}

// Barrier is shmem_barrier(team).
func Barrier(team int) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	t, start := profStart()
	err = j.Barrier(team)
	if t != nil {
		t.Add(prof.Barrier, -1, 0, int64(time.Since(start)))
	}
	return 0, err
}

// FastPathInfo describes the current job for the facade's own copies to
// same-host heaps (python/shmem/_hot.py), as JSON: rank, size, user_size,
// gates (address of one uint32 per PE, 1 while that PE may be touched), bases
// and wakes (per PE: where its user heap and its wake block are mapped here,
// 0 when not), spin (waiters may spin), asym (sleepers fence for writers,
// which may skip the wake protocol's fence: signal.RegisterAsymmetric), quiet (no transfer is ever
// outstanding: every PE is mapped and the engine copies in the caller), and
// ok: whether the facade may copy by itself at all. It may not where stores
// are not seen in program order by other cores (only amd64 is total store
// order), under a copy engine (transfers complete out of the caller's
// order), or while profiling counts the calls.
func FastPathInfo() (_ string, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return "", err
	}
	fp := j.FastPath()
	b, err := json.Marshal(map[string]any{
		"rank": fp.Rank, "size": fp.Size, "user_size": fp.UserSize, "gates": fp.Gates,
		"bases": fp.Bases, "wakes": fp.Wakes, "spin": fp.Spin, "quiet": fp.Direct && fp.AllLocal,
		"asym": signal.AsymmetricFences(),
		"ok":   runtime.GOARCH == "amd64" && fp.Direct && fp.Gates != 0 && profTable.Load() == nil,
	})
	return string(b), err
}

// WakePE wakes the threads sleeping on PE pe's segment: the facade calls it
// after storing into pe's heap by itself when pe's wake block counts
// sleepers, as the runtime's own put does.
func WakePE(pe int) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	return 0, j.WakePeer(pe)
}

// fastCopyMax is the largest copy of the fast entry, which holds the GIL.
const fastCopyMax = 64 << 10

func init() { native.SetFastCopy(fastCopy) }

// fastCopy is the runtime's side of the facade's fast entry (native/fastcall.c,
// python/shmem/_hot.py): a short blocking put (op 0) or get (op 1) to a PE
// whose heap is mapped here, without gopy's glue or a GIL release. It declines
// (false) whatever it does not do itself, and every failure: the facade's
// ordinary call then raises the error.
func fastCopy(op int, dst, src, n int64, pe int) (done bool) {
	defer func() {
		if recover() != nil {
			done = false
		}
	}()
	if n <= 0 || n > fastCopyMax || (op != 0 && op != 1) {
		return false
	}
	j := current.Load()
	if j == nil || profTable.Load() != nil {
		return false
	}
	return j.CopyInline(op == 0, uintptr(dst), uintptr(src), uintptr(n), pe)
}

// FastCallDef registers the interpreter's functions with the fast entry and
// returns the address of its PyMethodDef (see native.FastCallRegister).
func FastCallDef(longType int64, typeOffset int, asLongLong, boolFromLong, errClear int64) (_ int64, err error) {
	defer recoverInto(&err)
	def, err := native.FastCallRegister(uintptr(longType), typeOffset, uintptr(asLongLong), uintptr(boolFromLong),
		uintptr(errClear))
	if err != nil {
		return 0, errcode.New(errcode.InvalidParam, "fast entry: %v", err)
	}
	return int64(def), nil
}
