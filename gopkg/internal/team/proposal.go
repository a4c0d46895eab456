package team

import (
	"encoding/binary"
	"fmt"
)

// splitKind tells the two collective splits apart on the wire.
type splitKind int64

const (
	kindStrided splitKind = 1 // members given as first world rank, stride, size
	kindList    splitKind = 3 // members given by a hash of their list
)

// request is what every member of a new team must agree on: its members
// (see describe). parent is not part of it: Ascend lets members reach one
// team from different parents.
type request struct {
	kind    splitKind
	parent  int64
	a, b, c int64
}

func (r request) String() string {
	switch r.kind {
	case kindStrided:
		return fmt.Sprintf("team of world PEs %d, %d apart, %d of them", r.a, r.b, r.c)
	case kindList:
		return fmt.Sprintf("team of %d world PEs from %d (list hash %x)", r.c, r.a, uint64(r.b))
	default:
		return fmt.Sprintf("split kind %d", r.kind)
	}
}

// proposal is one member's contribution to the exchange.
type proposal struct {
	request
	nextID int64 // the sender's id counter: its lowest id that was never used
}

const (
	proposalVersion = 1
	proposalFields  = 6
	proposalSize    = 1 + proposalFields*8
)

func encodeProposal(p proposal) []byte {
	buf := make([]byte, 1, proposalSize)
	buf[0] = proposalVersion
	for _, v := range []int64{int64(p.kind), p.parent, p.a, p.b, p.c, p.nextID} {
		buf = binary.BigEndian.AppendUint64(buf, uint64(v))
	}
	return buf
}

func decodeProposal(raw []byte) (proposal, error) {
	if len(raw) != proposalSize || raw[0] != proposalVersion {
		return proposal{}, fmt.Errorf("malformed proposal of %d bytes", len(raw))
	}
	var v [proposalFields]int64
	for i := range v {
		v[i] = int64(binary.BigEndian.Uint64(raw[1+8*i:]))
	}
	return proposal{
		request: request{kind: splitKind(v[0]), parent: v[1], a: v[2], b: v[3], c: v[4]},
		nextID:  v[5],
	}, nil
}
