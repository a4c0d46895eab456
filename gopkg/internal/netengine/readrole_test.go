package netengine

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// peerOf is node a's connection to pe.
func peerOf(t testing.TB, a *node, pe int) *peer {
	t.Helper()
	p, err := a.eng.peer(pe)
	require.NoError(t, err)
	return p
}

// readRoleFree waits until nobody holds p's read role.
func readRoleFree(t testing.TB, p *peer) {
	t.Helper()
	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return !p.reading
	}, 5*time.Second, time.Millisecond, "the read role is still held")
}

// A blocking caller on an idle plain-TCP connection reads its answer
// itself, and afterwards the role is free again; while NBI operations are
// outstanding the reader goroutine holds it, until Quiet completes them.
func TestBlockingCallerReadsItsOwnAnswer(t *testing.T) {
	nodes := cluster(t, 2, 1<<20, nil)
	a := nodes[0]
	p := peerOf(t, a, 1)
	require.NotNil(t, p.src.rc, "a plain TCP stream is read directly")

	w := getWaiter()
	self, err := p.submit(item{op: opFlush}, w, true)
	require.NoError(t, err)
	require.True(t, self, "an idle connection gives the caller the read role")
	p.readFor(w, nil)
	require.Len(t, w.done, 1, "readFor returns once the caller's answer is in")
	<-w.done
	_, err = w.finish()
	require.NoError(t, err)
	readRoleFree(t, p)

	src := localBytes(t, 64, 3)
	require.NoError(t, a.eng.PutNBI(1, 0, addrOf(src), 64))
	p.mu.Lock()
	held := p.reading
	p.mu.Unlock()
	require.True(t, held, "outstanding NBI operations keep a reader")
	w = getWaiter()
	self, err = p.submit(item{op: opFlush}, w, true)
	require.NoError(t, err)
	require.False(t, self, "the reader goroutine already reads: the caller waits")
	<-w.done
	_, err = w.finish()
	require.NoError(t, err)
	require.NoError(t, a.eng.Quiet())
	readRoleFree(t, p)
	require.Equal(t, src, nodes[1].at(0, 64))
}

// Over TLS the caller cannot read the stream directly (the TLS layer may
// hold decrypted bytes the socket no longer shows): the reader goroutine
// reads every answer.
func TestTLSStreamIsReadByTheGoroutine(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	require.Nil(t, newSockReader(tls.Client(a, &tls.Config{})).rc)
	require.Nil(t, newSockReader(a).rc, "a pipe has no descriptor either")
}

// Blocking and NBI puts and gets of every size class from several callers
// at once, some answers handled by callers reading for themselves, some by
// the reader goroutine (large gets, NBI work), with the read role passing
// between them: every byte lands where it should.
func TestMixedTrafficWithChangingReaders(t *testing.T) {
	const heap = 16 << 20
	nodes := cluster(t, 2, heap, func(c *Config) { c.ChunkSize = 256 << 10 })
	a, b := nodes[0], nodes[1]
	copy(b.heap, randomBytes(heap, 77))
	want := append([]byte(nil), b.heap...)
	sizes := []uintptr{8, 1000, 40 << 10, 64<<10 - responseHeaderLen, 64 << 10, 200 << 10, 1<<20 + 3}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		// mmap'ed: a Go slice could live on a stack, which may move.
		dstBuf, srcBuf := mmapBytes(t, 2<<20), mmapBytes(t, 2<<20)
		wg.Go(func() {
			for i := range 30 {
				n := sizes[(g+i)%len(sizes)]
				off := uintptr((g*4099 + i*8191) % (heap/2 - 2<<20))
				dst := dstBuf[:n]
				var err error
				if i%3 == 2 {
					err = a.eng.GetNBI(addrOf(dst), 1, off, n)
					if err == nil {
						err = a.eng.Quiet()
					}
				} else {
					err = a.eng.Get(addrOf(dst), 1, off, n)
				}
				if err != nil {
					errs <- err
					return
				}
				if string(dst) != string(want[off:off+n]) {
					errs <- fmt.Errorf("get %d/%d of %d bytes at %d (nbi %v) returned the wrong bytes", g, i, n, off, i%3 == 2)
					return
				}
				// Puts go to the upper half, each caller to its own slot.
				src := srcBuf[:n]
				copy(src, randomBytes(int(n), uint64(g*100+i)))
				pOff := heap/2 + uintptr(g)*(2<<20)
				if i%2 == 0 {
					err = a.eng.Put(1, pOff, addrOf(src), n)
				} else if err = a.eng.PutNBI(1, pOff, addrOf(src), n); err == nil {
					err = a.eng.Quiet()
				}
				if err != nil {
					errs <- err
					return
				}
				if string(b.at(pOff, n)) != string(src) {
					errs <- errors.New("put left the wrong bytes")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	readRoleFree(t, peerOf(t, a, 1))
}

// A direct read returns what is there, waits at most one slice when nothing
// is (errWouldBlock, so the caller can look at its timeout and Ctrl-C), and
// reports the end of the stream.
func TestDirectReads(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)

	s := newSockReader(client)
	s.direct = true
	buf := make([]byte, 16)
	start := time.Now()
	n, err := s.Read(buf)
	require.ErrorIs(t, err, errWouldBlock)
	require.Zero(t, n)
	require.GreaterOrEqual(t, time.Since(start), directWaitMillis*time.Millisecond/2)

	go func() {
		time.Sleep(5 * time.Millisecond)
		_, _ = server.Write([]byte("hello"))
	}()
	var got []byte
	for len(got) < 5 {
		n, err = s.Read(buf)
		if errors.Is(err, errWouldBlock) {
			continue
		}
		require.NoError(t, err)
		got = append(got, buf[:n]...)
	}
	require.Equal(t, "hello", string(got))

	require.NoError(t, server.Close())
	for {
		_, err = s.Read(buf)
		if !errors.Is(err, errWouldBlock) {
			break
		}
	}
	require.ErrorIs(t, err, io.EOF)

	require.NoError(t, client.Close())
	_, err = s.Read(buf)
	require.ErrorIs(t, err, net.ErrClosed)
}
