package netengine

import "encoding/binary"

// request is the fixed header of a frame from a client to a server.
type request struct {
	op    uint8
	flags uint8
	aux   uint8 // atomic operation, or signal operation with flagSignal
	width uint8 // atomic width in bytes
	id    uint64
	off   uint64
	len   uint64
	a, b  uint64 // atomic operand and cond, or signal offset and value
}

func (r *request) encode(b []byte) {
	_ = b[requestHeaderLen-1]
	b[0], b[1], b[2], b[3] = r.op, r.flags, r.aux, r.width
	binary.LittleEndian.PutUint32(b[4:], 0)
	binary.LittleEndian.PutUint64(b[8:], r.id)
	binary.LittleEndian.PutUint64(b[16:], r.off)
	binary.LittleEndian.PutUint64(b[24:], r.len)
	binary.LittleEndian.PutUint64(b[32:], r.a)
	binary.LittleEndian.PutUint64(b[40:], r.b)
}

func (r *request) decode(b []byte) {
	_ = b[requestHeaderLen-1]
	r.op, r.flags, r.aux, r.width = b[0], b[1], b[2], b[3]
	r.id = binary.LittleEndian.Uint64(b[8:])
	r.off = binary.LittleEndian.Uint64(b[16:])
	r.len = binary.LittleEndian.Uint64(b[24:])
	r.a = binary.LittleEndian.Uint64(b[32:])
	r.b = binary.LittleEndian.Uint64(b[40:])
}

// response is the fixed header of a frame from a server to a client.
type response struct {
	status uint8
	flags  uint8 // flagFinal
	code   int32 // errcode of an error response
	id     uint64
	off    uint64 // get: heap offset of the data that follows
	len    uint64 // payload bytes that follow (data or error text)
	value  uint64 // atomic: the word's previous value
}

func (r *response) encode(b []byte) {
	_ = b[responseHeaderLen-1]
	b[0], b[1] = r.status, r.flags
	binary.LittleEndian.PutUint16(b[2:], 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(r.code))
	binary.LittleEndian.PutUint64(b[8:], r.id)
	binary.LittleEndian.PutUint64(b[16:], r.off)
	binary.LittleEndian.PutUint64(b[24:], r.len)
	binary.LittleEndian.PutUint64(b[32:], r.value)
}

func (r *response) decode(b []byte) {
	_ = b[responseHeaderLen-1]
	r.status, r.flags = b[0], b[1]
	r.code = int32(binary.LittleEndian.Uint32(b[4:]))
	r.id = binary.LittleEndian.Uint64(b[8:])
	r.off = binary.LittleEndian.Uint64(b[16:])
	r.len = binary.LittleEndian.Uint64(b[24:])
	r.value = binary.LittleEndian.Uint64(b[32:])
}
