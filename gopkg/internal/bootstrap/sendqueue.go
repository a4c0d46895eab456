package bootstrap

import (
	"net"
	"sync"
	"time"
)

// outFrame is one frame to write, possibly in parts sharing a body with other
// peers' frames. sent, when set, is closed once the frame is written.
type outFrame struct {
	parts net.Buffers
	sent  chan struct{}
}

func frameOf(b []byte) outFrame { return outFrame{parts: net.Buffers{b}} }

// sendQueue is the server's outbound path to one peer: pushes never block, a
// writer goroutine drains the queue, so a peer that stops reading cannot
// stall the server or the other peers.
type sendQueue struct {
	conn     net.Conn
	mu       sync.Mutex
	items    []outFrame
	draining bool // no more pushes: write what is queued, then close the connection
	stopped  bool // close now
	wake     chan struct{}
}

func newSendQueue(conn net.Conn) *sendQueue {
	return &sendQueue{conn: conn, wake: make(chan struct{}, 1)}
}

func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// push queues f; false when the queue no longer accepts frames.
func (q *sendQueue) push(f outFrame) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining || q.stopped {
		return false
	}
	q.items = append(q.items, f)
	q.signal()
	return true
}

func (q *sendQueue) drain() {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
	q.signal()
}

func (q *sendQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.signal()
	q.conn.Close()
}

// run is the writer goroutine. It closes the connection when it ends, which
// also ends the peer's reader.
func (q *sendQueue) run() {
	defer q.conn.Close()
	defer q.stop() // a failed write ends the queue: later pushes are refused
	for range q.wake {
		for {
			q.mu.Lock()
			if q.stopped {
				q.mu.Unlock()
				return
			}
			batch := q.items
			q.items = nil
			draining := q.draining
			q.mu.Unlock()
			if len(batch) == 0 {
				if draining {
					return
				}
				break
			}
			for _, f := range batch {
				_ = q.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
				if _, err := f.parts.WriteTo(q.conn); err != nil {
					return
				}
				if f.sent != nil {
					close(f.sent)
				}
			}
		}
	}
}
