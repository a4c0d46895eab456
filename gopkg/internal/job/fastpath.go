package job

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
)

// FastPath is what the Python facade needs to move small amounts of data to
// and from the heaps mapped in this process by itself, without a call into
// the runtime (see python/shmem/_hot.py and docs/benchmarks.md).
type FastPath struct {
	Rank, Size int
	// UserSize is the size of the DEVICE_SIDE heap, at offset 0 of every PE's
	// user area: the range the facade may copy in by itself (the HOST_SIDE
	// heap lies beyond a gap that is no symmetric memory).
	UserSize uintptr
	// Gates is the address of one uint32 per PE (liveness.Set.GateAddr):
	// 1 while the facade may touch that PE's heap itself.
	Gates uintptr
	// Bases[pe] is where PE pe's user heap is mapped here, 0 when it is not.
	Bases []uintptr
	// Wakes[pe] is the address of PE pe's wake block (signal.WakeBlockSize
	// bytes: sleeper count, generation), 0 when it is not mapped.
	Wakes []uintptr
	// Direct: the same-host engine copies in the calling thread (MTE), so no
	// transfer to a mapped PE is ever outstanding and puts land in order.
	Direct bool
	// AllLocal: every PE is mapped here (no network engine).
	AllLocal bool
	// Spin: this host has at least as many CPUs as PEs of the job on it, so a
	// waiter may spin rather than yield.
	Spin bool
}

// FastPath describes this job for the facade.
func (j *Job) FastPath() FastPath {
	wakes := make([]uintptr, j.opts.Size)
	local := 0
	for pe := range wakes {
		wakes[pe] = j.wakeBlock(pe)
		if j.userBases[pe] != 0 {
			local++
		}
	}
	return FastPath{Rank: j.opts.Rank, Size: j.opts.Size, UserSize: j.regions.DeviceSize, Gates: j.live.GateAddr(),
		Bases: append([]uintptr(nil), j.userBases...), Wakes: wakes,
		Direct: j.opts.Engine != EngineSDMA && j.opts.Engine != EngineUDMA, AllLocal: j.reach.AllMapped(),
		Spin: signal.SpinsFor(local)}
}

// WakePeer wakes the threads sleeping on PE pe's segment: what the facade
// calls after storing into pe's heap by itself when pe's wake block counts
// sleepers (a put from the runtime does it as its last step).
func (j *Job) WakePeer(pe int) error {
	if pe < 0 || pe >= j.opts.Size {
		return errcode.New(errcode.InvalidParam, "PE %d does not exist (%d PEs)", pe, j.opts.Size)
	}
	signal.WakeStores(j.wakeBlock(pe))
	return nil
}

// CopyInline does a blocking put (or get) for the facade's fast entry when it
// completes in the calling thread without waiting for anything: the engine
// copies in the caller (MTE) and pe's heap is mapped here. done is false when
// it declines or the copy failed; the facade then makes the ordinary call,
// which reports the error.
func (j *Job) CopyInline(put bool, dst, src, n uintptr, pe int) (done bool) {
	if j.opts.Engine == EngineSDMA || j.opts.Engine == EngineUDMA || pe < 0 || pe >= len(j.userBases) ||
		j.userBases[pe] == 0 {
		return false
	}
	if put {
		return j.Put(dst, src, n, pe, false) == nil
	}
	return j.Get(dst, src, n, pe, false) == nil
}
