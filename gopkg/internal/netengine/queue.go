package netengine

// item is one operation waiting in a peer's send queue. The sender turns it
// into one frame, or into one frame per chunk for large puts and gets.
type item struct {
	op    uint8
	flags uint8 // put: flagAck, flagSignal (added to its final frame)
	aux   uint8 // atomic or signal operation
	width uint8 // atomic width
	id    uint64
	off   uintptr // heap offset on the peer
	n     uintptr // put: payload bytes; get: bytes asked for
	local uintptr // put: source here; get: destination here
	chunk uintptr // piece size on the wire
	a, b  uint64  // atomic operand and cond, or signal offset and value
}

// itemRing is a FIFO of items stored by value, so queueing allocates
// nothing once the ring has grown to the working size.
type itemRing struct {
	buf  []item
	head int
	n    int
}

const initialRingSize = 64

func (r *itemRing) len() int { return r.n }

func (r *itemRing) push(it item) {
	if r.n == len(r.buf) {
		bigger := make([]item, max(2*len(r.buf), initialRingSize))
		for i := range r.n {
			bigger[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = bigger, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = it
	r.n++
}

func (r *itemRing) pop() item {
	it := r.buf[r.head]
	r.buf[r.head] = item{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return it
}
