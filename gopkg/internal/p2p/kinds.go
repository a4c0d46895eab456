package p2p

import (
	"sync/atomic"
	"unsafe"
)

// Kinds of variable (the facade's type codes; char is Int8, as C's char is
// signed on the platforms shmem runs on).
const (
	Int8 = iota
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Float32
	kinds
)

// Size is the size in bytes of a variable of kind k (0 for an unknown kind).
func Size(k int) uintptr {
	switch k {
	case Int8, Uint8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64:
		return 8
	}
	return 0
}

type elem interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32
}

// at reinterprets an address (of shared or caller-given memory, outside the
// Go heap) as a pointer.
func at[T any](addr uintptr) *T { return *(**T)(unsafe.Pointer(&addr)) }

// load reads the naturally aligned T at addr atomically. Go has no 8- or
// 16-bit atomics, so those are read as the aligned 32-bit word holding them
// (always inside the same mapping, as mappings are page-aligned) and the
// variable's bytes taken from it; shmem runs on little-endian machines only.
func load[T elem](addr uintptr) T {
	var v T
	switch unsafe.Sizeof(v) {
	case 1, 2:
		word := addr &^ 3
		bits := atomic.LoadUint32(at[uint32](word)) >> ((addr - word) * 8)
		return *(*T)(unsafe.Pointer(&bits))
	case 4:
		bits := atomic.LoadUint32(at[uint32](addr))
		return *(*T)(unsafe.Pointer(&bits))
	default:
		bits := atomic.LoadUint64(at[uint64](addr))
		return *(*T)(unsafe.Pointer(&bits))
	}
}

// plain reads a T of local, unshared memory (a cmp_values entry).
func plain[T elem](addr uintptr) T { return *at[T](addr) }

// convert turns the facade's operand into a T: integers arrive as int64
// (uint64 in two's complement), float32 as a float64.
func convert[T elem](value int64, fvalue float64) T {
	var v T
	if _, isFloat := any(v).(float32); isFloat {
		f := float32(fvalue)
		return *(*T)(unsafe.Pointer(&f))
	}
	return T(value)
}
