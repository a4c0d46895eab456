package bootstrap

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// payloadOf strips the header of an encoded frame, checking it.
func payloadOf(t *testing.T, frame []byte, kind msgKind) []byte {
	t.Helper()
	k, p, err := readFrame(bytes.NewReader(frame), maxFrameLen)
	require.NoError(t, err)
	require.Equal(t, kind, k)
	return p
}

func TestMessagesRoundTrip(t *testing.T) {
	h := helloMsg{magic: protocolMagic, version: protocolVersion, rank: 3, size: 8, jobID: "slurm:1.0",
		nonce: bytes.Repeat([]byte{1}, nonceLen), mac: bytes.Repeat([]byte{2}, macLen)}
	gotH, err := decodeHello(payloadOf(t, h.encode(), kindHello))
	require.NoError(t, err)
	assert.Equal(t, h, gotH)

	r := rejectMsg{code: -7, verdict: verdictForeign, msg: "late"}
	gotR, err := decodeReject(payloadOf(t, r.encode(), kindReject))
	require.NoError(t, err)
	assert.Equal(t, r, gotR)

	g := gatherMsg{req: 9, op: opBarrier, seq: 1 << 40, group: "team/3", members: []int{0, 2, 5}, data: []byte("xyz")}
	gotG, err := decodeGather(payloadOf(t, g.encode(), kindGather))
	require.NoError(t, err)
	assert.Equal(t, g, gotG)

	body := gatherResultBody([]int{1, 4}, map[int][]byte{1: []byte("a"), 4: nil})
	frame := append(gatherDoneHead(77, len(body)), body...)
	gotD, err := decodeGatherDone(payloadOf(t, frame, kindGatherDone))
	require.NoError(t, err)
	assert.Equal(t, uint64(77), gotD.req)
	assert.Equal(t, []int{1, 4}, gotD.ranks)
	assert.Equal(t, [][]byte{[]byte("a"), {}}, gotD.data)

	f := failMsg{req: 5, code: -6, msg: "no"}
	gotF, err := decodeFail(payloadOf(t, f.encode(), kindGatherFail))
	require.NoError(t, err)
	assert.Equal(t, f, gotF)

	a := abandonMsg{req: 2, op: opAllgather, seq: 3, group: "g", timeout: 250 * time.Millisecond}
	gotA, err := decodeAbandon(payloadOf(t, a.encode(), kindAbandon))
	require.NoError(t, err)
	assert.Equal(t, a, gotA)

	e := exitMsg{req: 4, status: -3}
	gotE, err := decodeExitRequest(payloadOf(t, e.encodeRequest(), kindExit))
	require.NoError(t, err)
	assert.Equal(t, e, gotE)
	n := exitMsg{status: 250, from: 6}
	gotN, err := decodeExitNotice(payloadOf(t, n.encodeNotice(), kindExitNotice))
	require.NoError(t, err)
	assert.Equal(t, n, gotN)

	es := exitSentMsg{req: 8, delivered: 2, total: 3, status: -9}
	gotES, err := decodeExitSent(payloadOf(t, es.encode(), kindExitSent))
	require.NoError(t, err)
	assert.Equal(t, es, gotES)

	req, err := decodeReq(payloadOf(t, encodeReq(kindLeave, 11), kindLeave))
	require.NoError(t, err)
	assert.Equal(t, uint64(11), req)
	rank, err := decodeRank(payloadOf(t, encodeRank(kindPeerLost, 12), kindPeerLost))
	require.NoError(t, err)
	assert.Equal(t, 12, rank)
	w := welcomeMsg{size: 13, jobNonce: []byte("n"), mac: []byte("m")}
	gotW, err := decodeWelcome(payloadOf(t, w.encode(), kindWelcome))
	require.NoError(t, err)
	assert.Equal(t, w, gotW)
	c := challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: []byte("nonce"), jobID: "openmpi:7"}
	gotC, err := decodeChallenge(payloadOf(t, c.encode(), kindChallenge))
	require.NoError(t, err)
	assert.Equal(t, c, gotC)
}

// Every decoder must reject truncated, padded and random payloads with an
// error, never a panic or a huge allocation.
func TestDecodersRejectBadPayloads(t *testing.T) {
	body := gatherResultBody([]int{1}, map[int][]byte{1: []byte("abc")})
	samples := map[string]struct {
		payload []byte
		decode  func([]byte) error
	}{
		"hello":     {payloadOf(t, helloMsg{version: protocolVersion, rank: 1, size: 2, jobID: "j"}.encode(), kindHello), func(p []byte) error { _, err := decodeHello(p); return err }},
		"welcome":   {payloadOf(t, welcomeMsg{size: 2, jobNonce: []byte("n")}.encode(), kindWelcome), func(p []byte) error { _, err := decodeWelcome(p); return err }},
		"challenge": {payloadOf(t, challengeMsg{nonce: []byte("n"), jobID: "j"}.encode(), kindChallenge), func(p []byte) error { _, err := decodeChallenge(p); return err }},
		"reject":    {payloadOf(t, rejectMsg{msg: "m"}.encode(), kindReject), func(p []byte) error { _, err := decodeReject(p); return err }},
		"gather":    {payloadOf(t, gatherMsg{members: []int{1, 2}, data: []byte("d"), group: "g"}.encode(), kindGather), func(p []byte) error { _, err := decodeGather(p); return err }},
		"done":      {payloadOf(t, append(gatherDoneHead(1, len(body)), body...), kindGatherDone), func(p []byte) error { _, err := decodeGatherDone(p); return err }},
		"fail":      {payloadOf(t, failMsg{msg: "m"}.encode(), kindGatherFail), func(p []byte) error { _, err := decodeFail(p); return err }},
		"abandon":   {payloadOf(t, abandonMsg{group: "g"}.encode(), kindAbandon), func(p []byte) error { _, err := decodeAbandon(p); return err }},
		"exit":      {payloadOf(t, exitMsg{}.encodeRequest(), kindExit), func(p []byte) error { _, err := decodeExitRequest(p); return err }},
		"notice":    {payloadOf(t, exitMsg{}.encodeNotice(), kindExitNotice), func(p []byte) error { _, err := decodeExitNotice(p); return err }},
		"sent":      {payloadOf(t, exitSentMsg{}.encode(), kindExitSent), func(p []byte) error { _, err := decodeExitSent(p); return err }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, s := range samples {
		require.NoError(t, s.decode(s.payload), name)
		for cut := range len(s.payload) {
			assert.Error(t, s.decode(s.payload[:cut]), "%s cut at %d", name, cut)
		}
		assert.Error(t, s.decode(append(bytes.Clone(s.payload), 0)), "%s with a trailing byte", name)
		for range 200 {
			junk := make([]byte, rng.IntN(64))
			for i := range junk {
				junk[i] = byte(rng.UintN(256))
			}
			assert.NotPanics(t, func() { _ = s.decode(junk) }, name)
		}
	}
	// A list count larger than the payload could hold is refused before any
	// allocation.
	_, err := decodeGather([]byte{0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	assert.Error(t, err)
}

func TestReadFrameEnforcesLimits(t *testing.T) {
	_, _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 0, 1}), maxFrameLen)
	assert.Error(t, err, "a frame needs at least its kind byte")
	_, _, err = readFrame(bytes.NewReader([]byte{0, 1, 0, 1, 1}), maxHandshakeFrameLen)
	assert.ErrorContains(t, err, "exceeds the limit")
	_, _, err = readFrame(bytes.NewReader([]byte{0, 0, 0, 9, 1, 2}), maxFrameLen)
	assert.Error(t, err, "a truncated frame")
}

func TestFormatPEs(t *testing.T) {
	assert.Equal(t, "PE 2", formatPEs([]int{2}))
	assert.Equal(t, "PEs 0, 2", formatPEs([]int{0, 2}))
	assert.Equal(t, "PEs 1-3, 5, 7-8", formatPEs([]int{1, 2, 3, 5, 7, 8}))
}
