package netengine

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var testSecret = []byte("0123456789abcdef-test-job-secret")

// node is one PE of a test job: its engine, heap and wake block.
type node struct {
	eng  *Engine
	heap []byte
	wake []byte
	logs *logSink
}

func (n *node) base() uintptr { return addrOf(n.heap) }

func (n *node) wakeBlock() uintptr { return addrOf(n.wake) }

// at is the bytes [off, off+size) of the node's heap.
func (n *node) at(off, size uintptr) []byte { return n.heap[off : off+size] }

// word32 is the address of the 32-bit word at heap offset off.
func (n *node) word32(off uintptr) uintptr { return n.base() + off }

// logSink collects an engine's Logf lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logSink) contains(text string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, text) {
			return true
		}
	}
	return false
}

// waitForLog waits until the engine logged a line containing text.
func (l *logSink) waitForLog(t testing.TB, text string) {
	t.Helper()
	require.Eventually(t, func() bool { return l.contains(text) }, 5*time.Second, time.Millisecond,
		"no log line containing %q", text)
}

// newNode starts PE rank of size with a fresh heap; tweak changes its
// config before Listen.
func newNode(t testing.TB, rank, size int, heapSize uintptr, tweak func(*Config)) *node {
	t.Helper()
	n := &node{heap: mmapBytes(t, heapSize), wake: mmapBytes(t, 4096), logs: &logSink{}}
	cfg := Config{
		Rank: rank, Size: size, HeapBase: n.base(), HeapSize: heapSize, WakeBlock: n.wakeBlock(),
		Secret: testSecret, ListenHost: "127.0.0.1", DialTimeout: 5 * time.Second, Logf: n.logs.logf,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := Listen(cfg)
	require.NoError(t, err)
	n.eng = eng
	t.Cleanup(func() { _ = eng.Close() })
	return n
}

// cluster starts size engines and connects each to every other PE.
func cluster(t testing.TB, size int, heapSize uintptr, tweak func(*Config)) []*node {
	t.Helper()
	nodes := make([]*node, size)
	addrs := make([]string, size)
	for pe := range size {
		nodes[pe] = newNode(t, pe, size, heapSize, tweak)
		addrs[pe] = nodes[pe].eng.Addr()
	}
	for pe, n := range nodes {
		require.NoError(t, n.eng.Connect(addrs, useAllBut(size, pe)))
	}
	return nodes
}

func useAllBut(size, self int) []bool {
	use := make([]bool, size)
	for pe := range use {
		use[pe] = pe != self
	}
	return use
}

func mmapBytes(t testing.TB, n uintptr) []byte {
	m, err := unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	return m
}

// protectedBytes maps n bytes with protection prot; the mapping stays until
// the test ends, so nothing else can appear there.
func protectedBytes(t testing.TB, n int, prot int) uintptr {
	m, err := unix.Mmap(-1, 0, n, prot, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	return addrOf(m)
}

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// randomBytes is a reproducible pattern, different for every seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	_, _ = r.Read(b)
	return b
}

// localBytes is n bytes of mmap'ed memory holding a random pattern.
func localBytes(t testing.TB, n int, seed uint64) []byte {
	m := mmapBytes(t, uintptr(n))
	copy(m, randomBytes(n, seed))
	return m
}

func requireCode(t testing.TB, err error, code int, text string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, errcode.CodeOf(err), "error %q", err)
	require.Contains(t, err.Error(), text)
}

// sleepers is the wake block's count of threads asleep on its segment.
func sleepers(n *node) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&n.wake[0])))
}

// waitAsleep waits until a waiter sleeps on the node's wake block, so a
// test can check that a remote update wakes it (not its own polling).
func waitAsleep(t testing.TB, n *node) {
	t.Helper()
	require.Eventually(t, func() bool { return sleepers(n) > 0 }, 5*time.Second, time.Millisecond)
}

// openFDs counts this process's open file descriptors.
func openFDs(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// requireNoLeaks checks that goroutines and fds come back to their levels
// (other tests' goroutines may still be ending, so it retries briefly).
func requireNoLeaks(t testing.TB, goroutines, fds int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFDs(t)
		if g <= goroutines && f <= fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines %d (were %d), fds %d (were %d)\n%s", g, goroutines, f, fds, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawClient is a hand-driven client connection to an engine: it passes the
// handshake as PE rank and then sends whatever frames a test crafts, as a
// buggy or malicious peer could.
type rawClient struct {
	conn net.Conn
}

func dialRaw(t testing.TB, target *node, targetPE, rank, size int) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", target.eng.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	cfg := Config{Rank: rank, Size: size, Secret: testSecret}
	require.NoError(t, clientHandshake(conn, &cfg, targetPE))
	return &rawClient{conn: conn}
}

func (c *rawClient) send(t testing.TB, r request, payload []byte) {
	t.Helper()
	buf := make([]byte, requestHeaderLen)
	r.encode(buf)
	_, err := c.conn.Write(append(buf, payload...))
	require.NoError(t, err)
}

// answer reads one answer and its payload.
func (c *rawClient) answer(t testing.TB) (response, []byte) {
	t.Helper()
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, responseHeaderLen)
	_, err := io.ReadFull(c.conn, buf)
	require.NoError(t, err)
	var r response
	r.decode(buf)
	payload := make([]byte, r.len)
	_, err = io.ReadFull(c.conn, payload)
	require.NoError(t, err)
	return r, payload
}

// requireClosed checks the engine closed the connection.
func (c *rawClient) requireClosed(t testing.TB) {
	t.Helper()
	require.NoError(t, c.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := io.ReadFull(c.conn, make([]byte, 1))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "timeout")
}
