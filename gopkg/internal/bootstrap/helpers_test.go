package bootstrap

import (
	"bufio"
	"context"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// patient is a timeout no fast path comes near: a test that configures it
// and still sees the fast path's error code and message knows the timeout
// did not answer, without measuring how fast the answer came (the machine
// may be loaded).
const patient = time.Minute

// settle bounds a poll for something that follows at once (a callback, a
// notice): generous, because it only limits how long a failure takes.
const settle = 10 * time.Second

// returnsWithin runs f and fails the test if it has not returned after
// bound (which stands for "blocks forever", not for a speed).
func returnsWithin[T any](t testing.TB, bound time.Duration, what string, f func() T) T {
	t.Helper()
	out := make(chan T, 1)
	go func() { out <- f() }()
	select {
	case v := <-out:
		return v
	case <-time.After(bound):
		t.Fatalf("%s did not return within %s", what, bound)
		panic("unreachable")
	}
}

func testConfig(addr string, rank, size int) Config {
	return Config{Addr: addr, Rank: rank, Size: size, JoinTimeout: 30 * time.Second}
}

type joined struct {
	s       *Session
	err     error
	elapsed time.Duration
}

// joinConcurrently runs Join for every config at once and collects the
// outcomes in config order.
func joinConcurrently(cfgs []Config) []joined {
	out := make([]joined, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() {
			start := time.Now()
			s, err := Join(context.Background(), cfg)
			out[i] = joined{s, err, time.Since(start)}
		})
	}
	wg.Wait()
	return out
}

// joinAll joins size ranks on a fresh address; mod may adjust each config.
func joinAll(t testing.TB, size int, mod func(*Config)) []*Session {
	t.Helper()
	addr := freeAddr(t)
	cfgs := make([]Config, size)
	for r := range cfgs {
		cfgs[r] = testConfig(addr, r, size)
		if mod != nil {
			mod(&cfgs[r])
		}
	}
	res := joinConcurrently(cfgs)
	sessions := make([]*Session, size)
	for r, j := range res {
		require.NoError(t, j.err, "rank %d", r)
		sessions[r] = j.s
	}
	return sessions
}

// closeAll closes every session concurrently, as finalize does on every PE.
func closeAll(t testing.TB, sessions []*Session) {
	t.Helper()
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() { errs[i] = s.Close() })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "close of rank %d", i)
	}
}

// everyRank runs f for each session concurrently and returns its errors.
func everyRank(sessions []*Session, f func(s *Session) error) []error {
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() { errs[i] = f(s) })
	}
	wg.Wait()
	return errs
}

func openFDs(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// leakCheck records goroutines and fds now; the returned func asserts both
// come back to that baseline (after a brief settle).
func leakCheck(t testing.TB) func() {
	t.Helper()
	freeAddr(t) // the runtime's poller fds exist from the first socket on
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	return func() {
		t.Helper()
		// Polled here, not with assert.Eventually: that runs the condition on
		// goroutines of its own, which would count.
		settled := func(ok func() bool) bool {
			for end := time.Now().Add(settle); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
				if ok() {
					return true
				}
			}
			return false
		}
		if !settled(func() bool { return runtime.NumGoroutine() <= goroutines }) {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before, %d after:\n%s", goroutines, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		if !settled(func() bool { return openFDs(t) <= fds }) {
			t.Errorf("fds: %d before, %d after", fds, openFDs(t))
		}
	}
}

// requireCode asserts err carries code and mentions every fragment.
func requireCode(t testing.TB, err error, code int, fragments ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), "error: %v", err)
	for _, f := range fragments {
		assert.Contains(t, err.Error(), f)
	}
}

// portFree reports whether addr can be bound right now.
func portFree(t testing.TB, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "port of %s still taken", addr)
	require.NoError(t, ln.Close())
}

// rawHello answers the challenge on conn as cfg's PE would, with the MAC
// made by key (cfg's own key when nil), and returns the reader that holds the
// server's answer.
func rawHello(t testing.TB, conn net.Conn, cfg Config, key []byte) *bufio.Reader {
	t.Helper()
	_, err := conn.Write(encodeKnock())
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	kind, payload, err := readFrame(r, maxHandshakeFrameLen)
	require.NoError(t, err)
	require.Equal(t, kindChallenge, kind)
	ch, err := decodeChallenge(payload)
	require.NoError(t, err)
	_ = conn.SetReadDeadline(time.Time{})
	if key == nil {
		key = cfg.authKey()
	}
	nonce := newNonce()
	hello := helloMsg{magic: protocolMagic, version: protocolVersion, rank: cfg.Rank, size: cfg.Size, jobID: cfg.JobID,
		nonce: nonce, mac: helloMAC(key, ch.nonce, nonce, cfg.Rank, cfg.Size, cfg.JobID)}
	_, err = conn.Write(hello.encode())
	require.NoError(t, err)
	return r
}

// dialEventually connects to addr once something listens there.
func dialEventually(t testing.TB, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	require.Eventually(t, func() bool {
		var err error
		c, err = net.Dial("tcp", addr)
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	return c
}

// readReject reads the server's answer on r and requires a Reject.
func readReject(t testing.TB, r *bufio.Reader) rejectMsg {
	t.Helper()
	kind, payload, err := readFrame(r, maxHandshakeFrameLen)
	require.NoError(t, err)
	require.Equal(t, kindReject, kind)
	m, err := decodeReject(payload)
	require.NoError(t, err)
	return m
}
