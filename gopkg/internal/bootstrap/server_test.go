package bootstrap

import (
	"context"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A peer that speaks the protocol badly (not our client) gets errors for bad
// requests and is treated as lost when it breaks the framing; rank 0 does
// not crash.
func TestServerSurvivesARogueClient(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	var lost lostRecorder
	cfg := testConfig(addr, 0, 2)
	cfg.OnPeerLost = lost.hook(0)
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), cfg)
		s0 <- joined{s: s, err: err}
	}()
	rogue := dialEventually(t, addr)
	defer rogue.Close()
	r := rawHello(t, rogue, testConfig(addr, 1, 2), nil)
	kind, _, err := readFrame(r, maxFrameLen)
	require.NoError(t, err)
	require.Equal(t, kindWelcome, kind)
	j := <-s0
	require.NoError(t, j.err)

	for _, bad := range []gatherMsg{
		{req: 1, op: opBarrier, members: []int{1, 0}},
		{req: 2, op: opBarrier, members: []int{0}},
		{req: 3, op: opBarrier, members: []int{1, 5}},
		{req: 4, op: 99, members: []int{1}},
	} {
		_, err := rogue.Write(bad.encode())
		require.NoError(t, err)
		kind, payload, err := readFrame(r, maxFrameLen)
		require.NoError(t, err)
		require.Equal(t, kindGatherFail, kind)
		f, err := decodeFail(payload)
		require.NoError(t, err)
		assert.Equal(t, bad.req, f.req)
		assert.Equal(t, errcode.BootstrapError, f.code)
	}

	pending := make(chan error, 1)
	go func() { pending <- j.s.Barrier("world", nil) }()
	_, err = rogue.Write([]byte{0, 0, 0, 1, 200}) // an unknown kind
	require.NoError(t, err)
	requireCode(t, <-pending, errcode.BootstrapError, "PE 1 of 2 was lost")
	assert.Eventually(t, func() bool { return len(lost.reports(0)) == 1 }, settle, 5*time.Millisecond)
	require.NoError(t, j.s.Close())
	rogue.Close()
	done()
}

// Rank 0 may listen on a wildcard address; its own client then dials
// loopback. Port 0 works too (a size-1 job needs no fixed port).
func TestWildcardAndEphemeralAddresses(t *testing.T) {
	port := freeAddr(t)[len("127.0.0.1:"):]
	res := joinConcurrently([]Config{testConfig("0.0.0.0:"+port, 0, 2), testConfig("127.0.0.1:"+port, 1, 2)})
	for _, j := range res {
		require.NoError(t, j.err)
	}
	closeAll(t, []*Session{res[0].s, res[1].s})

	s, err := Join(context.Background(), testConfig("127.0.0.1:0", 0, 1))
	require.NoError(t, err)
	require.NoError(t, s.Barrier("world", nil))
	require.NoError(t, s.Close())
}
