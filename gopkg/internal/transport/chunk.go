package transport

import "sync/atomic"

// DefaultChunkSize is the piece size of large transfers when none is given.
const DefaultChunkSize uintptr = 1 << 20

// ChunkSize is an engine's piece size of large transfers: read on every large
// transfer (one atomic load), changed between them. The zero value reads as
// DefaultChunkSize until Init or Set.
type ChunkSize struct {
	n atomic.Uintptr
}

// Init sets the size a configuration asked for (0: DefaultChunkSize).
func (c *ChunkSize) Init(n uintptr) {
	if n == 0 {
		n = DefaultChunkSize
	}
	c.n.Store(n)
}

// Set changes the size of later transfers; 0 is refused.
func (c *ChunkSize) Set(n uintptr) error {
	if n == 0 {
		return ErrBadChunkSize()
	}
	c.n.Store(n)
	return nil
}

// Load is the size in effect.
func (c *ChunkSize) Load() uintptr {
	if n := c.n.Load(); n != 0 {
		return n
	}
	return DefaultChunkSize
}
