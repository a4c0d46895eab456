package signal

import "sync/atomic"

// write32 validates the word and its wake block, applies op and, when op
// wrote, wakes the word's sleepers. Every 32-bit write goes through here.
// op returns the word's previous value and whether it wrote.
func write32(addr, waiters uintptr, op func(p *int32) (old int32, wrote bool)) (int32, error) {
	p, err := words32(addr, waiters)
	if err != nil {
		return 0, err
	}
	old, wrote := op(p)
	if wrote {
		wakeAll(waiters)
	}
	return old, nil
}

// Set32 atomically stores v at addr.
func Set32(addr, waiters uintptr, v int32) error {
	_, err := write32(addr, waiters, func(p *int32) (int32, bool) { atomic.StoreInt32(p, v); return 0, true })
	return err
}

// Swap32 atomically stores v at addr and returns the previous value.
func Swap32(addr, waiters uintptr, v int32) (int32, error) {
	return write32(addr, waiters, func(p *int32) (int32, bool) { return atomic.SwapInt32(p, v), true })
}

// CompareSwap32 stores v at addr if the word equals cond, and returns the
// previous value either way (the swap happened iff it equals cond).
func CompareSwap32(addr, waiters uintptr, cond, v int32) (int32, error) {
	return write32(addr, waiters, func(p *int32) (int32, bool) {
		for {
			if old := atomic.LoadInt32(p); old != cond {
				return old, false
			}
			if atomic.CompareAndSwapInt32(p, cond, v) {
				return cond, true
			}
		}
	})
}

// FetchAdd32 atomically adds v at addr and returns the previous value.
func FetchAdd32(addr, waiters uintptr, v int32) (int32, error) {
	return write32(addr, waiters, func(p *int32) (int32, bool) { return atomic.AddInt32(p, v) - v, true })
}

// Add32 atomically adds v at addr.
func Add32(addr, waiters uintptr, v int32) error {
	_, err := FetchAdd32(addr, waiters, v)
	return err
}
