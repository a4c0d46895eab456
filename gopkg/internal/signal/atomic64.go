package signal

import "sync/atomic"

// write64 validates the word and its wake block, applies op and, when op
// wrote, wakes the word's sleepers (through the generation word). Every 64-bit write goes through here.
// op returns the word's previous value and whether it wrote.
func write64(addr, waiters uintptr, op func(p *int64) (old int64, wrote bool)) (int64, error) {
	p, err := words64(addr, waiters)
	if err != nil {
		return 0, err
	}
	old, wrote := op(p)
	if wrote {
		wakeAll(waiters)
	}
	return old, nil
}

// Set64 atomically stores v at addr.
func Set64(addr, waiters uintptr, v int64) error {
	_, err := write64(addr, waiters, func(p *int64) (int64, bool) { atomic.StoreInt64(p, v); return 0, true })
	return err
}

// Swap64 atomically stores v at addr and returns the previous value.
func Swap64(addr, waiters uintptr, v int64) (int64, error) {
	return write64(addr, waiters, func(p *int64) (int64, bool) { return atomic.SwapInt64(p, v), true })
}

// CompareSwap64 stores v at addr if the word equals cond, and returns the
// previous value either way (the swap happened iff it equals cond).
func CompareSwap64(addr, waiters uintptr, cond, v int64) (int64, error) {
	return write64(addr, waiters, func(p *int64) (int64, bool) {
		for {
			if old := atomic.LoadInt64(p); old != cond {
				return old, false
			}
			if atomic.CompareAndSwapInt64(p, cond, v) {
				return cond, true
			}
		}
	})
}

// FetchAdd64 atomically adds v at addr and returns the previous value.
func FetchAdd64(addr, waiters uintptr, v int64) (int64, error) {
	return write64(addr, waiters, func(p *int64) (int64, bool) { return atomic.AddInt64(p, v) - v, true })
}

// Add64 atomically adds v at addr.
func Add64(addr, waiters uintptr, v int64) error {
	_, err := FetchAdd64(addr, waiters, v)
	return err
}
