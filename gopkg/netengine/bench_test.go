package netengine

import (
	"fmt"
	"io"
	"net"
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

// BenchmarkBandwidth compares blocking puts and gets with raw TCP between
// two sockets on loopback in the same run. raw sends n bytes and waits for
// a one-byte acknowledgement, as a blocking put waits for its ack.
func BenchmarkBandwidth(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("raw/"+sizeName(n), func(b *testing.B) { benchRawTCP(b, n) })
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

func benchRawTCP(b *testing.B, n uintptr) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	defer client.Close()
	server := <-accepted
	require.NotNil(b, server)
	defer server.Close()

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
	send := localBytes(b, int(n), 1)
	ack := make([]byte, 1)
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, err := client.Write(send); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(client, ack); err != nil {
			b.Fatal(err)
		}
	}
	_ = client.Close()
	<-done
}
