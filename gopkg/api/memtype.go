package api

import (
	"math/bits"
	"os"
	"strconv"
	"strings"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
)

// Memory types (Ascend's aclshmem_mem_type_t).
const (
	MemHostSide   = heap.HostSide
	MemDeviceSide = heap.DeviceSide
)

// defaultHostHeap caps the HOST_SIDE heap's default size.
const defaultHostHeap = 64 << 20

// hostMemSize is the HOST_SIDE heap's size for an init with a DEVICE_SIDE
// heap of memSize bytes: $SHMEM_HOST_MEM_SIZE (bytes, or with a K/M/G suffix;
// 0 for none) or min(memSize, 64 MiB).
func hostMemSize(memSize int64) (uintptr, error) {
	v := strings.TrimSpace(os.Getenv("SHMEM_HOST_MEM_SIZE"))
	if v == "" {
		return uintptr(min(memSize, defaultHostHeap)), nil
	}
	shift := 0
	switch strings.ToUpper(v[len(v)-1:]) {
	case "K":
		shift = 10
	case "M":
		shift = 20
	case "G":
		shift = 30
	}
	if shift > 0 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil || bits.LeadingZeros64(n) <= shift+1 {
		return 0, errcode.New(errcode.InvalidValue, "SHMEM_HOST_MEM_SIZE=%q is not a size in bytes", os.Getenv("SHMEM_HOST_MEM_SIZE"))
	}
	return uintptr(n << shift), nil
}

// MallocType is aclshmemx_malloc/calloc/align with a memory type: collective
// allocation of n bytes (count*n zeroed bytes when count > 0, aligned to
// alignment when it is > 0) in the heap of memType.
func MallocType(memType int, count, n, alignment int64) (p int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	total, zero := n, false
	if count > 0 {
		zero = true
		total = -1
		if n >= 0 {
			if hi, lo := bits.Mul64(uint64(count), uint64(n)); hi == 0 && lo <= 1<<62 {
				total = int64(lo)
			}
		}
	}
	if alignment < 0 {
		alignment = 3 // not a power of two: fails inside the collective
	}
	q, err := j.MallocIn(memType, total, alignment, zero)
	return int64(q), err
}

// HeapBase is aclshmemx_get_heap_base: the address of this PE's heap of
// memType, 0 before init or when there is no such heap.
func HeapBase(memType int) (p int64) {
	defer func() {
		if recover() != nil {
			p = 0
		}
	}()
	if j := current.Load(); j != nil {
		return int64(j.HeapBase(memType))
	}
	return 0
}

// MemTypeOf is the memory type of the heap holding symmetric address ptr,
// -1 when it is in none of this PE's heaps.
func MemTypeOf(ptr int64) (t int) {
	defer func() {
		if recover() != nil {
			t = -1
		}
	}()
	if j := current.Load(); j != nil && ptr > 0 {
		return j.MemTypeOf(uintptr(ptr))
	}
	return -1
}
