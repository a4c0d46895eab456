package collective

import (
	"math"
	"runtime"
	"sync"
)

// Reduce is the all-reduction: on every member, dst[i] becomes src[i] of
// member 0 op src[i] of member 1 op ... for i < count elements of type dt.
// dst and src are symmetric, aligned to the element size, and may overlap.
func Reduce(c Comm, dst, src, count uintptr, dt Dtype, op Op) error {
	if !dt.valid() {
		return invalidParam("dtype %d is not a known element type (1..%d)", int(dt), int(dtypeEnd)-1)
	}
	if !op.valid() {
		return invalidParam("op %d is not a known reduction (0..%d: sum, prod, min, max, and, or, xor)",
			int(op), int(opEnd)-1)
	}
	f := folds[dt][op]
	if f == nil {
		return invalidParam("%s is not defined for %s", op, dt)
	}
	es := dt.Size()
	if count > math.MaxInt64/es {
		return invalidParam("count %d of %s is too large", count, dt)
	}
	n := count * es
	if n > 0 {
		if dst%es != 0 || src%es != 0 {
			return invalidParam("dst 0x%x and src 0x%x must be aligned to the %d-byte size of %s", dst, src, es, dt)
		}
		if err := c.CheckSym(dst, n, "dst"); err != nil {
			return err
		}
		if err := c.CheckSym(src, n, "src"); err != nil {
			return err
		}
	}
	r := reduction{c: c, fold: f, es: es, dst: dst, src: src, count: count, size: c.Size(), me: c.Rank()}
	return guarded(r.run)
}

type reduction struct {
	c        Comm
	fold     foldFunc
	es       uintptr
	dst, src uintptr
	count    uintptr
	size, me int

	bases   []uintptr // member rank's src as mapped here, 0 when it must be fetched
	srcs    []uintptr // the sources of the current tile
	scratch []byte    // one tile per unreachable member
	tile    *[]byte   // partial results, from tilePool
}

var tilePool = sync.Pool{New: func() any { b := aligned8(tileBytes); return &b }}

func (r *reduction) run() error {
	if err := r.c.Barrier(); err != nil {
		return err
	}
	if r.count > 0 {
		r.prepare()
		defer r.release()
		var err error
		if r.count*r.es*uintptr(r.size) <= smallReduceBytes {
			err = r.whole()
		} else {
			err = r.scatterGather()
		}
		if err != nil {
			return err
		}
	}
	return r.c.Barrier()
}

func (r *reduction) prepare() {
	r.bases = make([]uintptr, r.size)
	r.srcs = make([]uintptr, r.size)
	unreachable := 0
	for rank := range r.size {
		if r.bases[rank] = r.c.Peer(rank, r.src); r.bases[rank] == 0 {
			unreachable++
		}
	}
	if unreachable > 0 {
		r.scratch = aligned8(uintptr(r.size) * tileBytes)
	}
	if r.size > 4 {
		r.tile = tilePool.Get().(*[]byte)
	}
}

func (r *reduction) release() {
	if r.tile != nil {
		tilePool.Put(r.tile)
		r.tile = nil
	}
}

// whole: every member reduces all elements from all sources.
func (r *reduction) whole() error {
	n := r.count * r.es
	staged := overlaps(r.dst, n, r.src, n)
	out, buf := r.dst, []byte(nil)
	if staged {
		// Peers read our source until the next barrier: build the result aside.
		buf = aligned8(n)
		out = addrOf(buf)
	}
	if err := r.reduceRange(out, 0, r.count); err != nil {
		return err
	}
	if staged {
		if err := r.c.Barrier(); err != nil {
			return err
		}
		memmove(r.dst, out, n)
	}
	runtime.KeepAlive(buf) // known to Go only by its address since addrOf
	return nil
}

// scatterGather: member r reduces chunk r into its own dst, then gathers the
// other chunks from their owners' dst.
func (r *reduction) scatterGather() error {
	lo, hi := r.chunk(r.me)
	n := (hi - lo) * r.es
	// Exactly in place needs no staging: chunk me of our source is read by us
	// alone, tile by tile before the tile is written. A partial overlap may
	// reach into chunks the peers are reading. The overlap is the same on
	// every member, so all of them take the same number of barriers.
	partial := r.dst != r.src && overlaps(r.dst, r.count*r.es, r.src, r.count*r.es)
	out, buf := r.dst+lo*r.es, []byte(nil)
	if partial && n > 0 {
		buf = aligned8(n)
		out = addrOf(buf)
	}
	if err := r.reduceRange(out, lo, hi); err != nil {
		return err
	}
	if err := r.c.Barrier(); err != nil {
		return err
	}
	if partial {
		memmove(r.dst+lo*r.es, out, n)
		runtime.KeepAlive(buf)
		// No chunk may be gathered before its owner has written it.
		if err := r.c.Barrier(); err != nil {
			return err
		}
	}
	for k := 1; k < r.size; k++ {
		rank := (r.me + k) % r.size
		lo, hi := r.chunk(rank)
		at := r.dst + lo*r.es
		if err := pull(r.c, at, rank, at, (hi-lo)*r.es); err != nil {
			return err
		}
	}
	return nil
}

// chunk is the element range [lo, hi) member rank reduces in scatterGather.
func (r *reduction) chunk(rank int) (lo, hi uintptr) {
	per := (r.count + uintptr(r.size) - 1) / uintptr(r.size)
	if step := chunkAlign / r.es; step > 1 {
		per = (per + step - 1) / step * step
	}
	lo = min(uintptr(rank)*per, r.count)
	return lo, min(lo+per, r.count)
}

// reduceRange combines elements [lo, hi) of every member's source into out
// (element lo lands at out), one tile at a time.
func (r *reduction) reduceRange(out, lo, hi uintptr) error {
	per := tileBytes / r.es
	var tile uintptr
	if r.tile != nil {
		tile = addrOf(*r.tile)
	}
	for t := lo; t < hi; t += per {
		k := min(per, hi-t)
		off := t * r.es
		for rank, base := range r.bases {
			if base != 0 {
				r.srcs[rank] = base + off
				continue
			}
			buf := addrOf(r.scratch) + uintptr(rank)*tileBytes
			if err := r.c.Get(buf, rank, r.src+off, k*r.es); err != nil {
				return err
			}
			r.srcs[rank] = buf
		}
		combine(r.fold, out+(t-lo)*r.es, tile, r.srcs, int(k))
	}
	runtime.KeepAlive(r.scratch)
	runtime.KeepAlive(r.tile)
	return nil
}
