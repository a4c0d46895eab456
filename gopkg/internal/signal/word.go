package signal

import (
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// The addresses handled here point into shared mappings outside the Go heap,
// so turning them into pointers is safe for the garbage collector. The
// conversion goes through the variable's own storage so that it reads as what
// it is (a reinterpretation of an address), not as pointer arithmetic.

func ptr32(addr uintptr) *int32 { return *(**int32)(unsafe.Pointer(&addr)) }

func ptr64(addr uintptr) *int64 { return *(**int64)(unsafe.Pointer(&addr)) }

func ptrU32(addr uintptr) *uint32 { return *(**uint32)(unsafe.Pointer(&addr)) }

// checkAligned rejects a null or misaligned word address: atomic instructions
// need natural alignment (x86 silently loses atomicity across cache lines,
// other CPUs fault).
func checkAligned(what string, addr uintptr, size uintptr) error {
	if addr == 0 {
		return errcode.New(errcode.InvalidParam, "%s address is null", what)
	}
	if addr%size != 0 {
		return errcode.New(errcode.InvalidParam, "%s address %#x is not %d-byte aligned", what, addr, size)
	}
	return nil
}

// CheckAligned32 reports whether addr can hold a 32-bit atomic word; it is
// the check every 32-bit call makes, for callers of Fetch32.
func CheckAligned32(addr uintptr) error { return checkAligned("32-bit word", addr, 4) }

// CheckAligned64 is CheckAligned32 for 64-bit words.
func CheckAligned64(addr uintptr) error { return checkAligned("64-bit word", addr, 8) }

func checkWakeBlock(waiters uintptr) error { return checkAligned("wake block", waiters, 4) }

// words32 validates a 32-bit word and its wake block.
func words32(addr, waiters uintptr) (*int32, error) {
	if err := CheckAligned32(addr); err != nil {
		return nil, err
	}
	if err := checkWakeBlock(waiters); err != nil {
		return nil, err
	}
	return ptr32(addr), nil
}

// words64 validates a 64-bit word and its wake block.
func words64(addr, waiters uintptr) (*int64, error) {
	if err := CheckAligned64(addr); err != nil {
		return nil, err
	}
	if err := checkWakeBlock(waiters); err != nil {
		return nil, err
	}
	return ptr64(addr), nil
}
