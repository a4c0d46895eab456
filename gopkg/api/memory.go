package api

import (
	"math/bits"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
)

// Malloc is shmem_malloc: the symmetric address, or 0 with an error saying
// why the block could not be had (the facade logs it and returns 0).
// Arguments are checked inside the collective, so that one PE's bad argument
// fails every PE instead of leaving the others waiting.
func Malloc(n int64) (p int64, err error) {
	defer recoverInto(&err)
	return alloc(n, 0, false)
}

// Calloc is shmem_calloc: nmemb*size zeroed bytes on every PE.
func Calloc(nmemb, n int64) (p int64, err error) {
	defer recoverInto(&err)
	total := int64(-1) // a size no PE accepts: negative or overflowing products
	if nmemb >= 0 && n >= 0 {
		if hi, lo := bits.Mul64(uint64(nmemb), uint64(n)); hi == 0 && lo <= 1<<62 {
			total = int64(lo)
		}
	}
	return alloc(total, 0, true)
}

// Align is shmem_align: like Malloc, aligned to alignment (a power of two).
func Align(alignment, n int64) (p int64, err error) {
	defer recoverInto(&err)
	if alignment == 0 {
		alignment = -1 // not a power of two: fails inside the collective
	}
	return alloc(n, alignment, false)
}

func alloc(n, alignment int64, zero bool) (int64, error) {
	j, err := live()
	if err != nil {
		return 0, err
	}
	p, err := j.Malloc(n, alignment, zero)
	return int64(p), err
}

// Free is shmem_free (collective); 0 is a no-op. Even a pointer that is not
// an address at all goes into the collective, to fail on every PE together.
func Free(ptr int64) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	p := uintptr(ptr)
	if ptr < 0 {
		p = ^uintptr(0)
	}
	return 0, j.Free(p)
}

// Ptr is shmem_ptr: a directly usable address of peer's copy of ptr, or 0.
func Ptr(ptr int64, peer int) (p int64) {
	defer func() {
		if recover() != nil {
			p = 0
		}
	}()
	j := current.Load()
	if j == nil || ptr <= 0 {
		return 0
	}
	return int64(j.Ptr(uintptr(ptr), peer))
}

// CheckMapped fails unless [ptr, ptr+n) lies in a heap mapped in this
// process (this PE's or a same-host peer's, of any running instance: viewing
// memory does not act on the current one), so that a memoryview over it
// cannot fault.
func CheckMapped(ptr, n int64) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		if jobs := liveJobs(); len(jobs) > 0 {
			j, err = jobs[0], nil
		} else {
			return 0, err
		}
	}
	if ptr >= 0 && n >= 0 && !j.Mapped(uintptr(ptr), uintptr(n)) {
		for _, other := range liveJobs() {
			if other.Mapped(uintptr(ptr), uintptr(n)) {
				return 0, nil
			}
		}
	}
	if ptr < 0 || n < 0 || !j.Mapped(uintptr(ptr), uintptr(n)) {
		return 0, errcode.New(errcode.InvalidParam, "[0x%x, +%d) is not inside a mapped symmetric heap", ptr, n)
	}
	return 0, nil
}

// ReleaseRetired unmaps the address ranges of finalized heaps, which finalize
// leaves mapped to zero pages so that views the user still holds cannot
// crash. The facade calls it once no view of them is left.
func ReleaseRetired() (_ int, err error) {
	defer recoverInto(&err)
	if err := job.ReleaseRetired(); err != nil {
		return 0, errcode.Wrap(errcode.SmemError, err, "releasing finalized heaps")
	}
	return 0, nil
}

// RetiredRanges is the number of finalized heap ranges still mapped.
func RetiredRanges() int { return job.RetiredRanges() }

// BlockSize is the size of the block at ptr, an address shmem_malloc
// returned and nobody freed yet; 0 for any other address or before init.
func BlockSize(ptr int64) (n int64) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	j := current.Load()
	if j == nil || ptr <= 0 {
		return 0
	}
	return int64(j.BlockSize(uintptr(ptr)))
}
