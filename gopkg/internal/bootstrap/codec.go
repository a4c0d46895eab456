package bootstrap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errMalformed is returned for a payload that does not decode; the peer is
// then treated as broken, never trusted.
var errMalformed = errors.New("malformed frame")

// encoder appends big-endian fields to a frame whose header it reserves.
type encoder struct{ buf []byte }

func newFrame(kind msgKind, sizeHint int) *encoder {
	e := &encoder{buf: make([]byte, frameHeaderLen, frameHeaderLen+sizeHint)}
	e.buf[4] = byte(kind)
	return e
}

func (e *encoder) u8(v uint8)   { e.buf = append(e.buf, v) }
func (e *encoder) u32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, v) }

func (e *encoder) bytes(b []byte) {
	e.u32(uint32(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.buf = append(e.buf, s...)
}

// frame fills in the length word and returns the finished frame.
func (e *encoder) frame() []byte {
	binary.BigEndian.PutUint32(e.buf[:4], uint32(len(e.buf)-4))
	return e.buf
}

// decoder reads fields in order; the first short read sticks as err and every
// later read returns zero, so callers check err once at the end.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.buf) {
		d.err = errMalformed
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) bytes() []byte { return d.take(int(d.u32())) }
func (d *decoder) str() string   { return string(d.bytes()) }

// count reads a length for a list whose entries take at least minEntry bytes,
// refusing lengths the rest of the payload cannot hold (no huge allocations).
func (d *decoder) count(minEntry int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.buf)/minEntry {
		d.err = errMalformed
	}
	if d.err != nil {
		return 0
	}
	return n
}

// finish reports a short read or bytes left over.
func (d *decoder) finish() error {
	if d.err == nil && len(d.buf) != 0 {
		d.err = errMalformed
	}
	return d.err
}

// readFrame reads one frame of at most limit bytes (kind included).
func readFrame(r io.Reader, limit int) (msgKind, []byte, error) {
	var head [frameHeaderLen]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(head[:4]))
	if n < 1 || n > limit {
		return 0, nil, fmt.Errorf("frame of %d bytes exceeds the limit of %d", n, limit)
	}
	payload := make([]byte, n-1)
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return msgKind(head[4]), payload, nil
}
