package bootstrap

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoinSizeOne(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	s, err := Join(context.Background(), testConfig(addr, 0, 1))
	require.NoError(t, err)
	assert.Equal(t, 0, s.Rank())
	assert.Equal(t, 1, s.Size())
	require.NoError(t, s.Barrier("world", nil))
	got, err := s.Allgather("world", []int{0}, []byte("solo"))
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("solo")}, got)
	require.NoError(t, s.Close())
	portFree(t, addr)
	done()
}

func TestJoinStartOrderDoesNotMatter(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	const size = 4
	res := make(chan joined, size)
	start := func(rank int) {
		go func() {
			s, err := Join(context.Background(), testConfig(addr, rank, size))
			res <- joined{s: s, err: err}
		}()
	}
	for r := size - 1; r >= 1; r-- { // the clients first: they must keep redialing
		start(r)
	}
	time.Sleep(150 * time.Millisecond)
	start(0)
	sessions := make([]*Session, size)
	for range size {
		j := <-res
		require.NoError(t, j.err)
		sessions[j.s.Rank()] = j.s
	}
	errs := everyRank(sessions, func(s *Session) error {
		got, err := s.Allgather("world", nil, []byte{byte(10 + s.Rank())})
		if err == nil {
			assert.Equal(t, [][]byte{{10}, {11}, {12}, {13}}, got)
		}
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
	done()
}

func TestJoinMissingRankTimesOutEverywhere(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	cfgs := []Config{testConfig(addr, 0, 4), testConfig(addr, 1, 4), testConfig(addr, 3, 4)}
	for i := range cfgs {
		cfgs[i].JoinTimeout = 400 * time.Millisecond
	}
	res := joinConcurrently(cfgs)
	for _, j := range res {
		requireCode(t, j.err, errcode.TimeoutError)
		assert.Nil(t, j.s)
		assert.Less(t, j.elapsed, patient, "guards against a hang only")
	}
	assert.Contains(t, res[0].err.Error(), "PE 2 of 4 never arrived within 400ms")
	portFree(t, addr)
	done()
}

func TestJoinNamesEveryMissingRank(t *testing.T) {
	addr := freeAddr(t)
	cfg := testConfig(addr, 0, 6)
	cfg.JoinTimeout = 200 * time.Millisecond
	_, err := Join(context.Background(), cfg)
	requireCode(t, err, errcode.TimeoutError, "PEs 1-5 of 6 never arrived within 200ms")
}

func TestJoinWithoutServerTimesOut(t *testing.T) {
	done := leakCheck(t)
	cfg := testConfig(freeAddr(t), 2, 3)
	cfg.JoinTimeout = 300 * time.Millisecond
	err := returnsWithin(t, patient, "Join", func() error {
		_, err := Join(context.Background(), cfg)
		return err
	})
	requireCode(t, err, errcode.TimeoutError, "PE 2 could not join PE 0", "refused")
	done()
}

func TestJoinBindFailureIsImmediate(t *testing.T) {
	done := leakCheck(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	addr := taken.Addr().String()
	cfg := testConfig(addr, 0, 2)
	cfg.JoinTimeout = patient // a bind failure is told at once, not turned into a timeout
	_, err = Join(context.Background(), cfg)
	requireCode(t, err, errcode.BootstrapError, "address "+addr+" could not be bound")
	taken.Close()
	done()
}

// A PE with the wrong job size is refused alone; the job goes on.
func TestJoinSizeMismatchIsRefusedAlone(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), testConfig(addr, 0, 2))
		s0 <- joined{s: s, err: err}
	}()
	bad := testConfig(addr, 1, 3)
	bad.JoinTimeout = 2 * time.Second
	_, err := Join(context.Background(), bad)
	requireCode(t, err, errcode.BootstrapError, "PE 1 says the job has 3 PEs, PE 0 says 2")
	s1, err := Join(context.Background(), testConfig(addr, 1, 2))
	good := []joined{<-s0, {s: s1, err: err}}
	for _, j := range good {
		require.NoError(t, j.err)
	}
	closeAll(t, []*Session{good[0].s, good[1].s})
	done()
}

// A second process claiming a rank that is present is refused alone.
func TestJoinDuplicateRankIsRefusedAlone(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), testConfig(addr, 0, 3))
		s0 <- joined{s: s, err: err}
	}()
	c := dialEventually(t, addr)
	time.Sleep(300 * time.Millisecond) // rank 0's own client, which dials as soon as it listens, is in
	m := readReject(t, rawHello(t, c, testConfig(addr, 0, 3), nil))
	assert.Contains(t, m.msg, "PE 0 of job (no job identity) is already present")
	assert.Equal(t, verdictFinal, m.verdict)
	c.Close()
	res := joinConcurrently([]Config{testConfig(addr, 1, 3), testConfig(addr, 2, 3)})
	j := <-s0
	require.NoError(t, j.err)
	for _, r := range res {
		require.NoError(t, r.err)
	}
	closeAll(t, []*Session{j.s, res[0].s, res[1].s})
	portFree(t, addr)
	done()
}

func TestJoinRejectsInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"zero size":     {Addr: "127.0.0.1:9", Rank: 0, Size: 0},
		"huge size":     {Addr: "127.0.0.1:9", Rank: 0, Size: maxRanks + 1},
		"rank too big":  {Addr: "127.0.0.1:9", Rank: 3, Size: 3},
		"negative rank": {Addr: "127.0.0.1:9", Rank: -1, Size: 3},
		"no port":       {Addr: "127.0.0.1", Rank: 0, Size: 1},
		"neg timeout":   {Addr: "127.0.0.1:9", Rank: 0, Size: 1, OpTimeout: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Join(context.Background(), cfg)
			requireCode(t, err, errcode.BootstrapError)
		})
	}
}

func TestJoinHonoursContext(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res := make(chan joined, 2)
	for _, rank := range []int{0, 1} {
		go func() {
			cfg := testConfig(addr, rank, 3)
			cfg.JoinTimeout = patient // so only the cancel can end the join
			s, err := Join(ctx, cfg)
			res <- joined{s: s, err: err}
		}()
	}
	for range 2 {
		j := <-res
		requireCode(t, j.err, errcode.BootstrapError, "canceled")
	}

	deadlineCtx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	cfg := testConfig(addr, 0, 2)
	cfg.JoinTimeout = 10 * time.Second
	_, err := Join(deadlineCtx, cfg)
	requireCode(t, err, errcode.TimeoutError, "PE 1 of 2 never arrived")
	done()
}

// A job whose ranks all joined turns away a latecomer with a retryable
// answer; the latecomer times out naming the reason.
func TestLateJoinerRetriesUntilItsDeadline(t *testing.T) {
	sessions := joinAll(t, 2, nil)
	cfg := testConfig(sessions[0].cfg.Addr, 1, 2)
	cfg.JoinTimeout = 300 * time.Millisecond
	_, err := Join(context.Background(), cfg)
	requireCode(t, err, errcode.TimeoutError, "still runs a job whose 2 PEs have all joined")
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
		require.NoError(t, err, "the running job must not notice the latecomer")
	}
	closeAll(t, sessions)
}

// Connections that are not PEs (scanners, health checks, garbage) are
// dropped without disturbing the join or the job.
func TestForeignConnectionsAreIgnored(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), testConfig(addr, 0, 2))
		s0 <- joined{s: s, err: err}
	}()
	var junk net.Conn
	require.Eventually(t, func() bool {
		var err error
		junk, err = net.Dial("tcp", addr)
		return err == nil
	}, 2*time.Second, 5*time.Millisecond)
	_, err := junk.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	require.NoError(t, err)
	silent, err := net.Dial("tcp", addr)
	require.NoError(t, err)

	s1, err := Join(context.Background(), testConfig(addr, 1, 2))
	require.NoError(t, err)
	j := <-s0
	require.NoError(t, j.err)
	sessions := []*Session{j.s, s1}

	// After the join: a frame claiming 1 GiB, and a well-formed Hello of a
	// foreign protocol.
	big, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = big.Write([]byte{0x40, 0, 0, 0, byte(kindHello)})
	require.NoError(t, err)
	foreign, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = foreign.Write(helloMsg{magic: 0xdeadbeef, version: protocolVersion, rank: 1, size: 2}.encode())
	require.NoError(t, err)
	for _, c := range []net.Conn{junk, big, foreign} {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := io.Copy(io.Discard, c) // the challenge, then the end
		assert.NoError(t, err, "the server must drop a foreign connection")
		c.Close()
	}
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
	silent.Close()
	done()
}

func TestJoinOverIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	res := joinConcurrently([]Config{testConfig(addr, 0, 2), testConfig(addr, 1, 2)})
	sessions := []*Session{res[0].s, res[1].s}
	for _, j := range res {
		require.NoError(t, j.err)
	}
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
}

func TestLocalHostIsTheInterfaceThatReachesRankZero(t *testing.T) {
	s, err := Join(context.Background(), Config{Addr: "127.0.0.1:0", Rank: 0, Size: 1, JoinTimeout: 5 * time.Second})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, "127.0.0.1", s.LocalHost())
}
