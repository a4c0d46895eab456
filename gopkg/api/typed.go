package api

import (
	"encoding/binary"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// The typed single-element calls shmem_<T>_p / shmem_<T>_g. The element
// travels as the bits of a little-endian word of size bytes: the facade
// checks the value's range for the type, and these calls move it.

// PutBits is shmem_<T>_p for integer types: the low size bytes of bits go to
// symmetric address dst on pe.
func PutBits(dst, bits int64, size, pe int) (_ int, err error) {
	defer recoverInto(&err)
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, errcode.New(errcode.InvalidParam, "element size %d is not 1, 2, 4 or 8", size)
	}
	// On the heap, which Go never moves (a stack may move while its address
	// is in use as an integer); pooled, so a typed put allocates nothing.
	word := words.Get().(*[8]byte)
	binary.LittleEndian.PutUint64(word[:], uint64(bits))
	err = transfer(dst, int64(uintptr(unsafe.Pointer(word))), int64(size), pe, true, false)
	runtime.KeepAlive(word)
	words.Put(word)
	return 0, err
}

// words holds the staging words of typed puts and gets.
var words = sync.Pool{New: func() any { return new([8]byte) }}

// GetBits is shmem_<T>_g for integer types: size bytes at symmetric address
// src on pe, zero-extended (the facade sign-extends signed types).
func GetBits(src int64, size, pe int) (bits int64, err error) {
	defer recoverInto(&err)
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, errcode.New(errcode.InvalidParam, "element size %d is not 1, 2, 4 or 8", size)
	}
	word := words.Get().(*[8]byte)
	*word = [8]byte{}
	err = transfer(int64(uintptr(unsafe.Pointer(word))), src, int64(size), pe, false, false)
	runtime.KeepAlive(word)
	bits = int64(binary.LittleEndian.Uint64(word[:]))
	words.Put(word)
	if err != nil {
		return 0, err
	}
	return bits, nil
}

// PutFloat is shmem_float_p (size 4) and shmem_double_p (size 8).
func PutFloat(dst int64, value float64, size, pe int) (_ int, err error) {
	defer recoverInto(&err)
	switch size {
	case 4:
		f := float32(value)
		if math.IsInf(float64(f), 0) && !math.IsInf(value, 0) {
			return 0, errcode.New(errcode.InvalidValue, "%g does not fit a float (|x| <= %g)", value, math.MaxFloat32)
		}
		return PutBits(dst, int64(math.Float32bits(f)), 4, pe)
	case 8:
		return PutBits(dst, int64(math.Float64bits(value)), 8, pe)
	}
	return 0, errcode.New(errcode.InvalidParam, "float size %d is not 4 or 8", size)
}

// GetFloat is shmem_float_g (size 4) and shmem_double_g (size 8).
func GetFloat(src int64, size, pe int) (v float64, err error) {
	defer recoverInto(&err)
	bits, err := GetBits(src, size, pe)
	if err != nil {
		return 0, err
	}
	switch size {
	case 4:
		return float64(math.Float32frombits(uint32(bits))), nil
	case 8:
		return math.Float64frombits(uint64(bits)), nil
	}
	return 0, errcode.New(errcode.InvalidParam, "float size %d is not 4 or 8", size)
}
