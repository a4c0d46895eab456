package job

import (
	"errors"

	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
)

// router is the Transport of a job whose PEs are not all load/store
// reachable: calls for mapped PEs go to the local engine (MTE or SDMA), the
// others to the network engine. Jobs on one host do without it, so their hot
// path has no extra hop.
type router struct {
	local  engine.Transport
	net    *netengine.Engine
	remote []bool // remote[pe]: reached through the network
}

func (r *router) isRemote(pe int) bool { return pe >= 0 && pe < len(r.remote) && r.remote[pe] }

func (r *router) Put(pe int, dstOff, src, n uintptr) error {
	if r.isRemote(pe) {
		return r.net.Put(pe, dstOff, src, n)
	}
	return r.local.Put(pe, dstOff, src, n)
}

func (r *router) Get(dst uintptr, pe int, srcOff, n uintptr) error {
	if r.isRemote(pe) {
		return r.net.Get(dst, pe, srcOff, n)
	}
	return r.local.Get(dst, pe, srcOff, n)
}

func (r *router) PutNBI(pe int, dstOff, src, n uintptr) error {
	if r.isRemote(pe) {
		return r.net.PutNBI(pe, dstOff, src, n)
	}
	return r.local.PutNBI(pe, dstOff, src, n)
}

func (r *router) GetNBI(dst uintptr, pe int, srcOff, n uintptr) error {
	if r.isRemote(pe) {
		return r.net.GetNBI(dst, pe, srcOff, n)
	}
	return r.local.GetNBI(dst, pe, srcOff, n)
}

func (r *router) PutSignal(pe int, dstOff, src, n uintptr, sig engine.Signal, nbi bool) error {
	if r.isRemote(pe) {
		return r.net.PutSignal(pe, dstOff, src, n, sig.Off, sig.Op, sig.Value, nbi)
	}
	return r.local.PutSignal(pe, dstOff, src, n, sig, nbi)
}

// Quiet completes both engines' transfers and reports the first error.
func (r *router) Quiet() error { return errors.Join(r.local.Quiet(), r.net.Quiet()) }

func (r *router) Fence() error { return errors.Join(r.local.Fence(), r.net.Fence()) }

func (r *router) SetChunkSize(n uintptr) error {
	return errors.Join(r.local.SetChunkSize(n), r.net.SetChunkSize(n))
}

func (r *router) ChunkSize() uintptr { return r.local.ChunkSize() }

func (r *router) Close() error { return errors.Join(r.local.Close(), r.net.Close()) }
