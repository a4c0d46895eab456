package engine

import "sync"

// workQueue is the copy engine's FIFO of transfers. It is unbounded so that
// NBI calls never block on a busy engine. A transfer appears once per worker
// that should help with it.
type workQueue struct {
	mu      sync.Mutex
	ready   sync.Cond
	items   []*transfer
	head    int
	stopped bool
}

func (q *workQueue) init() {
	q.ready.L = &q.mu
}

// push appends t copies times and wakes as many workers.
func (q *workQueue) push(t *transfer, copies int) {
	q.mu.Lock()
	for range copies {
		q.items = append(q.items, t)
	}
	q.mu.Unlock()
	for range copies {
		q.ready.Signal()
	}
}

// pop waits for a transfer; nil once the queue is stopped and empty.
func (q *workQueue) pop() *transfer {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) {
		if q.stopped {
			return nil
		}
		q.ready.Wait()
	}
	t := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	q.compact()
	return t
}

// compact reuses the slice's front once half of it is consumed, so a queue
// that never runs empty does not grow without bound.
func (q *workQueue) compact() {
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
		return
	}
	if q.head >= 64 && 2*q.head >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// stop lets pop return nil once the queue is empty.
func (q *workQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.ready.Broadcast()
}
