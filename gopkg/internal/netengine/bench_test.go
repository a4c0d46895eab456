package netengine

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

var benchSizes = []uintptr{1 << 20, 16 << 20, 64 << 20}

func sizeName(n uintptr) string { return fmt.Sprintf("%dMiB", n>>20) }

// BenchmarkPut8B is the latency of a blocking 8-byte put: the round trip to
// the target and its acknowledgement.
func BenchmarkPut8B(b *testing.B) {
	nodes := cluster(b, 2, 4096, nil)
	src := localBytes(b, 8, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := nodes[0].eng.Put(1, 0, addrOf(src), 8); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut8BLocked is BenchmarkPut8B from a goroutine locked to its
// thread, as every call from Python is (a cgo callback): a blocked caller
// then cannot be run by whichever thread received its answer.
func BenchmarkPut8BLocked(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	BenchmarkPut8B(b)
}

// BenchmarkGet8B is the latency of a blocking 8-byte get.
func BenchmarkGet8B(b *testing.B) {
	nodes := cluster(b, 2, 4096, nil)
	dst := mmapBytes(b, 8)
	b.ReportAllocs()
	for b.Loop() {
		if err := nodes[0].eng.Get(addrOf(dst), 1, 0, 8); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAtomicFetchAdd8B is the latency of a remote fetch-add.
func BenchmarkAtomicFetchAdd8B(b *testing.B) {
	nodes := cluster(b, 2, 4096, nil)
	for b.Loop() {
		if _, err := nodes[0].eng.Atomic(1, AtomicFetchAdd, 8, 0, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawTCP8B is the floor for the 8-byte latencies above: an 8-byte
// message and a one-byte answer between two plain sockets.
func BenchmarkRawTCP8B(b *testing.B) {
	raw := newRawPair(b, 8)
	for b.Loop() {
		raw.transfer(b)
	}
}

// BenchmarkBandwidth measures blocking puts and gets, and in the same run
// raw TCP between two plain sockets on loopback: raw sends n bytes (in one
// write, or in 1 MiB writes as the engine does) and waits for a one-byte
// acknowledgement, as a blocking put waits for its ack. Run it several
// times (-count) on a shared machine: loopback throughput depends much on
// where the scheduler puts the threads.
func BenchmarkBandwidth(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("raw/"+sizeName(n), func(b *testing.B) { benchRaw(b, n, n) })
		b.Run("raw1MiBwrites/"+sizeName(n), func(b *testing.B) { benchRaw(b, n, 1<<20) })
		b.Run("put/"+sizeName(n), func(b *testing.B) { benchTransfer(b, n, true) })
		b.Run("get/"+sizeName(n), func(b *testing.B) { benchTransfer(b, n, false) })
	}
}

func benchTransfer(b *testing.B, n uintptr, put bool) {
	nodes := cluster(b, 2, n, nil)
	local := localBytes(b, int(n), 1)
	copy(nodes[1].heap, local)
	e := nodes[0].eng
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if put {
			err = e.Put(1, 0, addrOf(local), n)
		} else {
			err = e.Get(addrOf(local), 1, 0, n)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchRaw(b *testing.B, n, piece uintptr) {
	raw := newRawPair(b, n)
	raw.piece = piece
	b.SetBytes(int64(n))
	for b.Loop() {
		raw.transfer(b)
	}
}

// rawPair is two connected plain sockets: transfer sends n bytes one way
// and waits for a one-byte answer.
type rawPair struct {
	client net.Conn
	send   []byte
	ack    []byte
	piece  uintptr // bytes per write
}

func newRawPair(b *testing.B, n uintptr) *rawPair {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	server, err := ln.Accept()
	require.NoError(b, err)
	recv := mmapBytes(b, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ack := []byte{1}
		for {
			if _, err := io.ReadFull(server, recv); err != nil {
				return
			}
			if _, err := server.Write(ack); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() {
		_ = client.Close()
		<-done
		_ = server.Close()
	})
	return &rawPair{client: client, send: localBytes(b, int(n), 1), ack: make([]byte, 1), piece: n}
}

func (r *rawPair) transfer(b *testing.B) {
	for off := uintptr(0); off < uintptr(len(r.send)); off += r.piece {
		if _, err := r.client.Write(r.send[off:min(off+r.piece, uintptr(len(r.send)))]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := io.ReadFull(r.client, r.ack); err != nil {
		b.Fatal(err)
	}
}
