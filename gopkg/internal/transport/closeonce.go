package transport

import "sync"

// CloseOnce runs an engine's Close body once: a second Close, even one
// racing the first, waits for it and returns nil (the first reported).
type CloseOnce struct {
	mu   sync.Mutex
	done bool
}

// Do runs close unless it ran before.
func (c *CloseOnce) Do(close func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	c.done = true
	return close()
}
