package job

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// symOffset checks that [addr, addr+n) is symmetric memory and returns its
// offset in the user heap.
func (j *Job) symOffset(addr, n uintptr, what string) (uintptr, error) {
	off, ok := j.localOffset(addr, n)
	if !ok {
		return 0, errcode.New(errcode.InvalidParam, "%s [0x%x, +%d) is not inside the symmetric heap [0x%x, +%d)",
			what, addr, n, j.userBases[j.opts.Rank], j.seg.UserSize())
	}
	return off, nil
}

// Put copies n bytes at local address src to the symmetric address dst on PE
// pe; nbi lets it complete later (at Quiet).
func (j *Job) Put(dst, src, n uintptr, pe int, nbi bool) error {
	if n == 0 {
		return nil
	}
	off, err := j.symOffset(dst, n, "dst")
	if err != nil {
		return err
	}
	if nbi {
		return j.rma.PutNBI(pe, off, src, n)
	}
	return j.rma.Put(pe, off, src, n)
}

// Get copies n bytes at symmetric address src on PE pe to local address dst.
func (j *Job) Get(dst, src, n uintptr, pe int, nbi bool) error {
	if n == 0 {
		return nil
	}
	off, err := j.symOffset(src, n, "src")
	if err != nil {
		return err
	}
	if nbi {
		return j.rma.GetNBI(dst, pe, off, n)
	}
	return j.rma.Get(dst, pe, off, n)
}

// Quiet completes every outstanding transfer of this PE.
func (j *Job) Quiet() error { return j.rma.Quiet() }

// Fence orders this PE's earlier puts before its later ones, per target.
func (j *Job) Fence() error { return j.rma.Fence() }

// SetChunkSize sets the piece size of large transfers (mte_set_ub_params).
func (j *Job) SetChunkSize(n uintptr) error { return j.rma.SetChunkSize(n) }

// ChunkSize is the piece size of large transfers in effect.
func (j *Job) ChunkSize() uintptr { return j.rma.ChunkSize() }
