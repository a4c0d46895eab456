package bootstrap

import (
	"encoding/binary"
	"time"
)

// One struct per message kind with a payload; encode builds the whole frame,
// decodeX parses a payload (never panicking on bad input).

// encodeKnock is the client's first frame: the client speaks first, so a
// server that expects something else (TLS) fails at once instead of waiting.
func encodeKnock() []byte {
	e := newFrame(kindKnock, 8)
	e.u32(protocolMagic)
	e.u32(protocolVersion)
	return e.frame()
}

// decodeKnock returns the magic and version of a Knock.
func decodeKnock(p []byte) (uint32, uint32, error) {
	d := decoder{buf: p}
	magic, version := d.u32(), d.u32()
	return magic, version, d.finish()
}

// challengeMsg answers every connection the server accepts: the client
// answers its nonce with an HMAC, and learns at once which job the server
// serves.
type challengeMsg struct {
	magic, version uint32
	nonce          []byte
	jobID          string
}

func (m challengeMsg) encode() []byte {
	e := newFrame(kindChallenge, 16+len(m.nonce)+len(m.jobID))
	e.u32(m.magic)
	e.u32(m.version)
	e.bytes(m.nonce)
	e.str(m.jobID)
	return e.frame()
}

func decodeChallenge(p []byte) (challengeMsg, error) {
	d := decoder{buf: p}
	m := challengeMsg{magic: d.u32(), version: d.u32(), nonce: d.bytes(), jobID: d.str()}
	return m, d.finish()
}

type helloMsg struct {
	magic, version uint32
	rank, size     int
	jobID          string
	nonce, mac     []byte
}

func (m helloMsg) encode() []byte {
	e := newFrame(kindHello, 28+len(m.jobID)+len(m.nonce)+len(m.mac))
	e.u32(m.magic)
	e.u32(m.version)
	e.u32(uint32(m.rank))
	e.u32(uint32(m.size))
	e.str(m.jobID)
	e.bytes(m.nonce)
	e.bytes(m.mac)
	return e.frame()
}

// decodeHello reads magic and version first, so a Hello of another protocol
// version is still recognised as ours (and answered) when the rest differs.
func decodeHello(p []byte) (helloMsg, error) {
	d := decoder{buf: p}
	m := helloMsg{magic: d.u32(), version: d.u32()}
	if d.err != nil || m.version != protocolVersion {
		return m, d.err
	}
	m.rank, m.size = int(d.u32()), int(d.u32())
	m.jobID, m.nonce, m.mac = d.str(), d.bytes(), d.bytes()
	return m, d.finish()
}

type welcomeMsg struct {
	size     int
	jobNonce []byte // the job's public nonce: data secrets derive from it
	mac      []byte // rank 0's proof of the job key
}

func (m welcomeMsg) encode() []byte {
	e := newFrame(kindWelcome, 12+len(m.jobNonce)+len(m.mac))
	e.u32(uint32(m.size))
	e.bytes(m.jobNonce)
	e.bytes(m.mac)
	return e.frame()
}

func decodeWelcome(p []byte) (welcomeMsg, error) {
	d := decoder{buf: p}
	m := welcomeMsg{size: int(d.u32()), jobNonce: d.bytes(), mac: d.bytes()}
	return m, d.finish()
}

// verdict tells a refused PE what to do next.
type verdict uint8

const (
	verdictFinal   verdict = 0 // give up
	verdictRetry   verdict = 1 // the server is busy with the previous run of this job: try again until the join deadline
	verdictForeign verdict = 2 // the server serves another job: try again for foreignGrace, then give up
)

type rejectMsg struct {
	code    int
	verdict verdict
	msg     string
}

func (m rejectMsg) encode() []byte {
	e := newFrame(kindReject, 9+len(m.msg))
	e.u32(uint32(int32(m.code)))
	e.u8(uint8(m.verdict))
	e.str(m.msg)
	return e.frame()
}

func decodeReject(p []byte) (rejectMsg, error) {
	d := decoder{buf: p}
	m := rejectMsg{code: int(int32(d.u32())), verdict: verdict(d.u8()), msg: d.str()}
	return m, d.finish()
}

type gatherMsg struct {
	req     uint64
	op      opKind
	seq     uint64
	group   string
	members []int // sorted world ranks
	data    []byte
}

func (m gatherMsg) encode() []byte {
	e := newFrame(kindGather, 29+len(m.group)+4*len(m.members)+len(m.data))
	e.u64(m.req)
	e.u8(uint8(m.op))
	e.u64(m.seq)
	e.str(m.group)
	e.u32(uint32(len(m.members)))
	for _, r := range m.members {
		e.u32(uint32(r))
	}
	e.bytes(m.data)
	return e.frame()
}

func decodeGather(p []byte) (gatherMsg, error) {
	d := decoder{buf: p}
	m := gatherMsg{req: d.u64(), op: opKind(d.u8()), seq: d.u64(), group: d.str()}
	n := d.count(4)
	m.members = make([]int, n)
	for i := range m.members {
		m.members[i] = int(d.u32())
	}
	m.data = d.bytes()
	return m, d.finish()
}

// gatherResultBody is the shared part of every member's GatherDone: the
// count, then rank and data of each member in rank order.
func gatherResultBody(ranks []int, data map[int][]byte) []byte {
	size := 4
	for _, r := range ranks {
		size += 8 + len(data[r])
	}
	body := make([]byte, 0, size)
	body = binary.BigEndian.AppendUint32(body, uint32(len(ranks)))
	for _, r := range ranks {
		body = binary.BigEndian.AppendUint32(body, uint32(r))
		body = binary.BigEndian.AppendUint32(body, uint32(len(data[r])))
		body = append(body, data[r]...)
	}
	return body
}

// gatherDoneHead is the per-member prefix (header and req) sent before a
// shared body.
func gatherDoneHead(req uint64, bodyLen int) []byte {
	head := make([]byte, frameHeaderLen+8)
	binary.BigEndian.PutUint32(head[:4], uint32(1+8+bodyLen))
	head[4] = byte(kindGatherDone)
	binary.BigEndian.PutUint64(head[5:], req)
	return head
}

type gatherDoneMsg struct {
	req   uint64
	ranks []int
	data  [][]byte
}

func decodeGatherDone(p []byte) (gatherDoneMsg, error) {
	d := decoder{buf: p}
	m := gatherDoneMsg{req: d.u64()}
	n := d.count(8)
	m.ranks = make([]int, n)
	m.data = make([][]byte, n)
	for i := range n {
		m.ranks[i] = int(d.u32())
		m.data[i] = d.bytes()
	}
	return m, d.finish()
}

// failMsg is GatherFail: the server's verdict on one pending request.
type failMsg struct {
	req  uint64
	code int
	msg  string
}

func (m failMsg) encode() []byte {
	e := newFrame(kindGatherFail, 16+len(m.msg))
	e.u64(m.req)
	e.u32(uint32(int32(m.code)))
	e.str(m.msg)
	return e.frame()
}

func decodeFail(p []byte) (failMsg, error) {
	d := decoder{buf: p}
	m := failMsg{req: d.u64(), code: int(int32(d.u32())), msg: d.str()}
	return m, d.finish()
}

type abandonMsg struct {
	req     uint64
	op      opKind
	seq     uint64
	group   string
	timeout time.Duration
}

func (m abandonMsg) encode() []byte {
	e := newFrame(kindAbandon, 29+len(m.group))
	e.u64(m.req)
	e.u8(uint8(m.op))
	e.u64(m.seq)
	e.str(m.group)
	e.u64(uint64(m.timeout))
	return e.frame()
}

func decodeAbandon(p []byte) (abandonMsg, error) {
	d := decoder{buf: p}
	m := abandonMsg{req: d.u64(), op: opKind(d.u8()), seq: d.u64(), group: d.str(), timeout: time.Duration(d.u64())}
	return m, d.finish()
}

// exitMsg is Exit (c>s: req, status) and ExitNotice (s>c: status, from).
type exitMsg struct {
	req    uint64
	status int
	from   int
}

func (m exitMsg) encodeRequest() []byte {
	e := newFrame(kindExit, 16)
	e.u64(m.req)
	e.u64(uint64(int64(m.status)))
	return e.frame()
}

func decodeExitRequest(p []byte) (exitMsg, error) {
	d := decoder{buf: p}
	m := exitMsg{req: d.u64(), status: int(int64(d.u64()))}
	return m, d.finish()
}

func (m exitMsg) encodeNotice() []byte {
	e := newFrame(kindExitNotice, 12)
	e.u64(uint64(int64(m.status)))
	e.u32(uint32(m.from))
	return e.frame()
}

func decodeExitNotice(p []byte) (exitMsg, error) {
	d := decoder{buf: p}
	m := exitMsg{status: int(int64(d.u64())), from: int(d.u32())}
	return m, d.finish()
}

// exitSentMsg answers Exit. status is the job's exit status: the first
// GlobalExit's, which may not be the caller's when two PEs exit at once.
type exitSentMsg struct {
	req              uint64
	delivered, total int
	status           int
}

func (m exitSentMsg) encode() []byte {
	e := newFrame(kindExitSent, 24)
	e.u64(m.req)
	e.u32(uint32(m.delivered))
	e.u32(uint32(m.total))
	e.u64(uint64(int64(m.status)))
	return e.frame()
}

func decodeExitSent(p []byte) (exitSentMsg, error) {
	d := decoder{buf: p}
	m := exitSentMsg{req: d.u64(), delivered: int(d.u32()), total: int(d.u32()), status: int(int64(d.u64()))}
	return m, d.finish()
}

// encodeReq builds the frames whose only field is a request id (Leave,
// LeaveAck).
func encodeReq(kind msgKind, req uint64) []byte {
	e := newFrame(kind, 8)
	e.u64(req)
	return e.frame()
}

func decodeReq(p []byte) (uint64, error) {
	d := decoder{buf: p}
	req := d.u64()
	return req, d.finish()
}

func encodeRank(kind msgKind, rank int) []byte {
	e := newFrame(kind, 4)
	e.u32(uint32(rank))
	return e.frame()
}

func decodeRank(p []byte) (int, error) {
	d := decoder{buf: p}
	rank := int(d.u32())
	return rank, d.finish()
}

func encodeEmpty(kind msgKind) []byte { return newFrame(kind, 0).frame() }
