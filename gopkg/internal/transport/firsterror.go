package transport

import "sync"

// FirstError keeps the first failure of NBI transfers until Quiet takes it:
// an NBI call has returned before its transfer failed, so the failure waits
// here for the next Quiet (or Close) to report it. The zero value is empty.
type FirstError struct {
	mu  sync.Mutex
	err error
}

// Record keeps err if it is the first since the last Take; nil is ignored.
func (f *FirstError) Record(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

// Take returns the kept failure (nil: none) and forgets it.
func (f *FirstError) Take() error {
	f.mu.Lock()
	err := f.err
	f.err = nil
	f.mu.Unlock()
	return err
}
