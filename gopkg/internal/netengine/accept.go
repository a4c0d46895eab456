package netengine

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// acceptLoop accepts connections until Close closes the listener.
func (e *Engine) acceptLoop() {
	defer e.wg.Done()
	for {
		conn, err := e.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			e.cfg.Logf("network engine of PE %d: accept: %v", e.cfg.Rank, err)
			if !e.pause(acceptRetryDelay) {
				return
			}
			continue
		}
		if !e.track(conn) {
			_ = conn.Close()
			continue
		}
		// The loop itself is counted in wg, so this Add cannot race Close's Wait.
		e.wg.Add(1)
		go e.serveConn(conn)
	}
}

// serveConn authenticates one incoming connection and serves its requests.
func (e *Engine) serveConn(raw net.Conn) {
	defer e.wg.Done()
	defer e.untrack(raw)
	defer raw.Close()
	tuneConn(raw)
	conn, rank, err := e.acceptHandshake(raw)
	if err != nil {
		if e.closing.Err() == nil {
			e.cfg.Logf("network engine of PE %d: refused connection from %s: %v", e.cfg.Rank, raw.RemoteAddr(), err)
		}
		return
	}
	s := newServerConn(e, conn, rank)
	if err := s.serve(); err != nil && !quietEnd(err) && e.closing.Err() == nil {
		e.cfg.Logf("network engine of PE %d: connection from PE %d (%s) ended: %v", e.cfg.Rank, rank, raw.RemoteAddr(), err)
	}
}

// acceptHandshake runs TLS (when configured) and the secret handshake under
// the dial timeout, so a silent client cannot hold a goroutine.
func (e *Engine) acceptHandshake(raw net.Conn) (net.Conn, int, error) {
	deadline := time.Now().Add(e.cfg.DialTimeout)
	_ = raw.SetDeadline(deadline)
	conn := raw
	if e.cfg.ServerTLS != nil {
		tc := tls.Server(raw, e.cfg.ServerTLS)
		ctx, cancel := context.WithDeadline(e.closing, deadline)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			return nil, 0, errors.New("TLS handshake: " + err.Error())
		}
		conn = tc
	}
	rank, err := serverHandshake(conn, &e.cfg)
	if err != nil {
		return nil, 0, err
	}
	_ = raw.SetDeadline(time.Time{})
	return conn, rank, nil
}

// quietEnd tells the normal ends of a connection (the peer closed it, or
// Close did) from failures worth a log line.
func quietEnd(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// tuneConn sets what small operations need: no Nagle delay (Go's default,
// made explicit because the latency of 8-byte puts depends on it).
func tuneConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
}
