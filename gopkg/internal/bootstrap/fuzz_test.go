package bootstrap

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// Fuzz targets for every decoder of bytes from the network: the frame
// reader and every message decoder, rank 0's server facing a stranger during
// the join, and a PE facing a stranger posing as rank 0.

func FuzzDecoders(f *testing.F) {
	for _, frame := range [][]byte{
		encodeKnock(),
		challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: newNonce(), jobID: "slurm:1.0"}.encode(),
		helloMsg{magic: protocolMagic, version: protocolVersion, rank: 1, size: 2, jobID: "j", nonce: newNonce(), mac: newNonce()}.encode(),
		welcomeMsg{size: 2, jobNonce: newNonce(), mac: newNonce()}.encode(),
		rejectMsg{code: -6, verdict: verdictForeign, msg: "no"}.encode(),
		gatherMsg{req: 1, op: opAllgather, seq: 2, group: "g", members: []int{0, 1}, data: []byte("d")}.encode(),
		failMsg{req: 1, code: -7, msg: "m"}.encode(),
		abandonMsg{req: 1, op: opBarrier, group: "g", timeout: time.Second}.encode(),
		exitMsg{req: 1, status: 3}.encodeRequest(),
		exitMsg{status: 3, from: 1}.encodeNotice(),
		exitSentMsg{req: 1, delivered: 1, total: 1, status: 3}.encode(),
		encodeRank(kindPeerLost, 1),
		encodeReq(kindLeave, 9),
	} {
		f.Add(frame)
	}
	body := gatherResultBody([]int{0, 1}, map[int][]byte{0: []byte("a"), 1: nil})
	f.Add(append(gatherDoneHead(1, len(body)), body...))
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, payload, err := readFrame(bytes.NewReader(b), maxHandshakeFrameLen)
		if err != nil {
			payload = b // the decoders face raw payloads too
		}
		_ = kind
		_, _, _ = decodeKnock(payload)
		_, _ = decodeChallenge(payload)
		_, _ = decodeHello(payload)
		_, _ = decodeWelcome(payload)
		_, _ = decodeReject(payload)
		_, _ = decodeGather(payload)
		_, _ = decodeGatherDone(payload)
		_, _ = decodeFail(payload)
		_, _ = decodeAbandon(payload)
		_, _ = decodeExitRequest(payload)
		_, _ = decodeExitNotice(payload)
		_, _ = decodeExitSent(payload)
		_, _ = decodeReq(payload)
		_, _ = decodeRank(payload)
	})
}

// FuzzServerJoin sends a stranger's bytes to rank 0's server while it waits
// for its job (which has a key): the server must neither crash nor admit it.
func FuzzServerJoin(f *testing.F) {
	cfg := testConfig("127.0.0.1:0", 0, 2)
	cfg.JobID, cfg.JobKey = "fuzz:1", []byte("the job key, known to members only")
	stranger := cfg
	stranger.Rank, stranger.JobKey = 1, nil
	hello := helloMsg{magic: protocolMagic, version: protocolVersion, rank: 1, size: 2, jobID: "fuzz:1",
		nonce: newNonce(), mac: newNonce()}.encode()
	f.Add(append(encodeKnock(), hello...))
	f.Add(encodeKnock())
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	srv, err := listen(&cfg, time.Now(), time.Now().Add(time.Hour), func() {})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.shutdown)
	addr := srv.ln.Addr().String()
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(b)
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, _ = io.Copy(io.Discard, c)
		c.Close()
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for r, p := range srv.peers {
			if p != nil {
				t.Fatalf("a stranger was admitted as PE %d", r)
			}
		}
		if srv.phase != phaseJoining {
			t.Fatalf("a stranger ended the join (phase %d)", srv.phase)
		}
	})
}

// FuzzClientJoin is a stranger posing as rank 0: whatever it answers, a PE
// of a keyed job is never welcomed.
func FuzzClientJoin(f *testing.F) {
	f.Add(challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: newNonce(), jobID: "fuzz:1"}.encode())
	f.Add(append(challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: newNonce(), jobID: "fuzz:1"}.encode(),
		welcomeMsg{size: 2, jobNonce: newNonce(), mac: newNonce()}.encode()...))
	cfg := testConfig("127.0.0.1:1", 1, 2)
	cfg.JobID, cfg.JobKey = "fuzz:1", []byte("the job key, known to members only")
	f.Fuzz(func(t *testing.T, b []byte) {
		server, client := net.Pipe()
		go func() {
			_, _ = server.Write(b)
			server.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, server) }()
		_ = client.SetDeadline(time.Now().Add(time.Second))
		if res, err := handshake(client, &cfg, "fuzz"); err == nil {
			res.conn.Close()
			t.Fatal("a stranger's bytes welcomed the PE")
		}
		client.Close()
	})
}
