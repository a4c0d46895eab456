package netengine

import (
	"io"
	"net"
	"testing"
	"time"
)

// Fuzz targets for every decoder of bytes from the network. A peer that has
// not proved the job secret reaches only the handshakes; one that has
// reaches the request decoder and the heap. Neither may crash the process
// or touch memory outside the heap, whatever it sends.

func seedRequests(f *testing.F) {
	frame := func(reqs ...request) []byte {
		var out []byte
		for _, r := range reqs {
			b := make([]byte, requestHeaderLen)
			r.encode(b)
			out = append(out, b...)
		}
		return out
	}
	put := frame(request{op: opPut, flags: flagFinal, id: 1, off: 64, len: 8})
	f.Add(append(put, "8 bytes!"...))
	f.Add(frame(request{op: opGet, flags: flagFinal, id: 2, off: 0, len: 128}))
	f.Add(frame(request{op: opAtomic, flags: flagFinal, aux: 1, width: 8, id: 3, off: 8, a: 5}))
	f.Add(frame(request{op: opFlush, flags: flagFinal, id: 4}))
	f.Add(frame(request{op: opPut, flags: flagFinal, id: 5, off: 1 << 62, len: 1 << 40}))
	f.Add([]byte{})
}

// FuzzServeRequests feeds an authenticated connection's byte stream to the
// server side of a real engine with a real heap.
func FuzzServeRequests(f *testing.F) {
	seedRequests(f)
	n := newNode(f, 0, 2, 64<<10, nil)
	f.Fuzz(func(t *testing.T, stream []byte) {
		server, client := net.Pipe()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		go func() {
			_, _ = client.Write(stream)
			time.Sleep(time.Millisecond)
			client.Close()
		}()
		_ = newServerConn(n.eng, server, 1).serve()
		server.Close()
	})
}

// FuzzServerHandshake is a stranger answering the server's greeting.
func FuzzServerHandshake(f *testing.F) {
	good := make([]byte, clientProofLen)
	putIdentity(good, identity{version: protocolVersion, rank: 1, size: 2})
	f.Add(good)
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	cfg := &Config{Rank: 0, Size: 2, Secret: testSecret}
	f.Fuzz(func(t *testing.T, answer []byte) {
		server, client := net.Pipe()
		go func() {
			_, _ = io.ReadFull(client, make([]byte, serverHelloLen))
			// Whatever the server says next is read, so that a long answer
			// never leaves both ends of the synchronous pipe writing until the
			// deadline (inputs that slow make the fuzzer stall).
			go func() { _, _ = io.Copy(io.Discard, client) }()
			_, _ = client.Write(answer)
			client.Close() // a short answer ends in EOF, not in the deadline
		}()
		_ = server.SetDeadline(time.Now().Add(time.Second))
		if _, err := serverHandshake(server, cfg); err == nil {
			t.Fatalf("a stranger's %d bytes passed the handshake", len(answer))
		}
		server.Close()
		client.Close()
	})
}

// FuzzClientHandshake is a stranger posing as the engine a PE dials.
func FuzzClientHandshake(f *testing.F) {
	hello := make([]byte, serverHelloLen+serverVerdictLen)
	putIdentity(hello, identity{version: protocolVersion, rank: 1, size: 2})
	f.Add(hello)
	f.Add([]byte{})
	cfg := &Config{Rank: 0, Size: 2, Secret: testSecret}
	f.Fuzz(func(t *testing.T, greeting []byte) {
		server, client := net.Pipe()
		go func() {
			_, _ = server.Write(greeting)
			server.Close()
		}()
		go func() { _, _ = io.Copy(io.Discard, server) }()
		_ = client.SetDeadline(time.Now().Add(time.Second))
		if err := clientHandshake(client, cfg, 1); err == nil {
			t.Fatalf("a stranger's %d bytes passed as PE 1", len(greeting))
		}
		client.Close()
	})
}

// FuzzHeaders decodes any bytes as request and response headers and checks
// that what decodes encodes back to the same fields.
func FuzzHeaders(f *testing.F) {
	f.Add(make([]byte, requestHeaderLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < requestHeaderLen {
			return
		}
		var r, r2 request
		r.decode(b)
		enc := make([]byte, requestHeaderLen)
		r.encode(enc)
		r2.decode(enc)
		if r != r2 {
			t.Fatalf("request %+v re-decodes as %+v", r, r2)
		}
		var p, p2 response
		p.decode(b[:responseHeaderLen])
		enc = make([]byte, responseHeaderLen)
		p.encode(enc)
		p2.decode(enc)
		if p != p2 {
			t.Fatalf("response %+v re-decodes as %+v", p, p2)
		}
		_, _ = readIdentity(b[:identityLen])
	})
}
