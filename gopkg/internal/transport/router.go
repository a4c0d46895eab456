package transport

import "errors"

// Router is the Transport of a job whose PEs are not all mapped here: the
// table sends each call for a mapped PE to the local engine and each call for
// another to the network engine, atomics and signals included. A job whose
// PEs are all mapped uses its local engine directly (NewRouter returns it),
// so its hot path pays no hop.
type Router struct {
	table *Table
	local Transport
	net   Transport
}

// NewRouter returns the Transport for a job with table: local alone when net
// is nil, otherwise a Router over both.
func NewRouter(table *Table, local, net Transport) Transport {
	if net == nil {
		return local
	}
	return &Router{table: table, local: local, net: net}
}

// Local is the same-host engine, Net the network engine.
func (r *Router) Local() Transport { return r.local }
func (r *Router) Net() Transport   { return r.net }

// remote picks the network engine for pe, after the table's liveness check:
// a dead PE's calls fail at once on both paths, as the same-host engines do.
func (r *Router) remote(pe int) (bool, error) {
	if !r.table.Remote(pe) {
		return false, nil
	}
	return true, r.table.live.Check(pe)
}

func (r *Router) Put(pe int, dstOff, src, n uintptr) error {
	if net, err := r.remote(pe); net {
		if err != nil {
			return err
		}
		return r.net.Put(pe, dstOff, src, n)
	}
	return r.local.Put(pe, dstOff, src, n)
}

func (r *Router) Get(dst uintptr, pe int, srcOff, n uintptr) error {
	if net, err := r.remote(pe); net {
		if err != nil {
			return err
		}
		return r.net.Get(dst, pe, srcOff, n)
	}
	return r.local.Get(dst, pe, srcOff, n)
}

func (r *Router) PutNBI(pe int, dstOff, src, n uintptr) error {
	if net, err := r.remote(pe); net {
		if err != nil {
			return err
		}
		return r.net.PutNBI(pe, dstOff, src, n)
	}
	return r.local.PutNBI(pe, dstOff, src, n)
}

func (r *Router) GetNBI(dst uintptr, pe int, srcOff, n uintptr) error {
	if net, err := r.remote(pe); net {
		if err != nil {
			return err
		}
		return r.net.GetNBI(dst, pe, srcOff, n)
	}
	return r.local.GetNBI(dst, pe, srcOff, n)
}

func (r *Router) PutSignal(pe int, dstOff, src, n uintptr, sig Signal, nbi bool) error {
	if net, err := r.remote(pe); net {
		if err != nil {
			return err
		}
		return r.net.PutSignal(pe, dstOff, src, n, sig, nbi)
	}
	return r.local.PutSignal(pe, dstOff, src, n, sig, nbi)
}

func (r *Router) Atomic(pe, op, width int, off uintptr, operand, cond int64) (int64, error) {
	if net, err := r.remote(pe); net {
		if err != nil {
			return 0, err
		}
		return r.net.Atomic(pe, op, width, off, operand, cond)
	}
	return r.local.Atomic(pe, op, width, off, operand, cond)
}

// Quiet completes both engines' transfers and reports both failures.
func (r *Router) Quiet() error { return errors.Join(r.local.Quiet(), r.net.Quiet()) }

func (r *Router) Fence() error { return errors.Join(r.local.Fence(), r.net.Fence()) }

// SetChunkSize sets both engines' piece size.
func (r *Router) SetChunkSize(n uintptr) error {
	return errors.Join(r.local.SetChunkSize(n), r.net.SetChunkSize(n))
}

// ChunkSize is the local engine's; the two differ only after one of them was
// set on its own (Local().SetChunkSize).
func (r *Router) ChunkSize() uintptr { return r.local.ChunkSize() }

// Close closes both engines and returns both NBI errors nobody collected.
func (r *Router) Close() error { return errors.Join(r.local.Close(), r.net.Close()) }
