package job

import "github.com/pyshmem/shmem/gopkg/internal/strided"

// Strided is shmem_iput (put true) and shmem_iget: nelems elements of size
// bytes between symmetric memory on PE pe (sym, symStride elements apart)
// and local memory here (local, localStride elements apart). It returns when
// every element is in place. Both ranges are checked whole before any
// element moves, so a bad call copies nothing.
//
// Same-host PEs take one engine copy per element (an element is a few bytes:
// the per-copy cost is a bounds check). PEs behind the network get every
// element queued at once and one Quiet, so the job pays one round trip, not
// one per element.
func (j *Job) Strided(put bool, sym, local uintptr, symStride, localStride int64, nelems, size uintptr, pe int) error {
	symL, symExt, err := strided.New(sym, symStride, nelems, size)
	if err != nil {
		return err
	}
	localL, _, err := strided.New(local, localStride, nelems, size)
	if err != nil {
		return err
	}
	if nelems == 0 {
		return nil
	}
	what := "dest"
	if !put {
		what = "source"
	}
	off, err := j.symOffset(sym, symExt, what)
	if err != nil {
		return err
	}
	if symL.Contiguous() && localL.Contiguous() {
		if put {
			return j.rma.Put(pe, off, local, nelems*size)
		}
		return j.rma.Get(local, pe, off, nelems*size)
	}
	nbi := j.reach.Remote(pe)
	for i := uintptr(0); i < nelems; i++ {
		o, l := off+symL.At(i)-sym, localL.At(i)
		switch {
		case put && nbi:
			err = j.rma.PutNBI(pe, o, l, size)
		case put:
			err = j.rma.Put(pe, o, l, size)
		case nbi:
			err = j.rma.GetNBI(l, pe, o, size)
		default:
			err = j.rma.Get(l, pe, o, size)
		}
		if err != nil {
			if nbi {
				// The elements already queued must not land after the call
				// returned; their own errors are the first one's company.
				_ = j.rma.Quiet()
			}
			return err
		}
	}
	if nbi {
		return j.rma.Quiet()
	}
	return nil
}
