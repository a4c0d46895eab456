package engine

import (
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// completion tracks the copy engine's outstanding NBI transfers for Quiet and
// Fence. Transfers register in the current epoch; drain seals it, starts a new
// one and waits for the sealed epoch and every one sealed before it. So a
// drain waits for exactly the transfers issued before it, however many other
// goroutines keep issuing meanwhile.
type completion struct {
	mu      sync.Mutex
	current *epoch
	failed  transport.FirstError // first NBI failure since the last takeErr
}

type epoch struct {
	pending int           // registered transfers not yet complete
	sealed  bool          // no more registrations
	done    chan struct{} // closed when sealed and pending == 0
	prev    *epoch        // the epoch sealed before this one; nil once it is known complete
}

func newEpoch(prev *epoch) *epoch {
	return &epoch{done: make(chan struct{}), prev: prev}
}

func (c *completion) init() {
	c.current = newEpoch(nil)
}

// register counts a transfer about to be enqueued; complete must follow.
func (c *completion) register() *epoch {
	c.mu.Lock()
	e := c.current
	e.pending++
	c.mu.Unlock()
	return e
}

// complete records the end of a transfer registered in e and its error.
func (c *completion) complete(e *epoch, err error) {
	c.failed.Record(err)
	c.mu.Lock()
	e.pending--
	if e.sealed && e.pending == 0 {
		close(e.done)
	}
	c.mu.Unlock()
}

// drain waits until every transfer registered before the call is complete.
func (c *completion) drain() {
	c.mu.Lock()
	sealed := c.current
	if sealed.pending == 0 && sealed.prev == nil {
		c.mu.Unlock()
		return
	}
	sealed.sealed = true
	if sealed.pending == 0 {
		close(sealed.done)
	}
	c.current = newEpoch(sealed)
	c.mu.Unlock()

	for e := sealed; e != nil; {
		<-e.done
		c.mu.Lock()
		e = e.prev
		c.mu.Unlock()
	}

	// Everything up to sealed is complete: drop the chain so it cannot grow.
	c.mu.Lock()
	sealed.prev = nil
	if c.current.prev == sealed {
		c.current.prev = nil
	}
	c.mu.Unlock()
}

// takeErr returns the first NBI failure since the last call and forgets it.
func (c *completion) takeErr() error { return c.failed.Take() }
