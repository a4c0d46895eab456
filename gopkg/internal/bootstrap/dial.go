package bootstrap

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/tcpopt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// retryLater marks a join failure worth another attempt before the deadline:
// rank 0 not listening yet, still busy with the previous job, or closing the
// previous job's listener just as we connected (dropped). A connection that
// keeps being dropped is a misconfiguration (TLS on one side only), so
// dropped failures count against maxEarlyDrops.
type retryLater struct {
	err     error
	dropped bool
}

func (r *retryLater) Error() string { return r.err.Error() }

// connect dials rank 0 until it answers the Hello with Welcome or a final
// Reject, or until deadline. It returns the connection and its reader (which
// may already hold frames sent right after the Welcome).
func connect(ctx context.Context, cfg *Config, addr string, deadline time.Time) (net.Conn, *bufio.Reader, error) {
	backoff := dialBackoffStart
	drops := 0
	for {
		conn, r, err := attempt(ctx, cfg, addr, deadline)
		if err == nil {
			return conn, r, nil
		}
		var retry *retryLater
		if !errors.As(err, &retry) {
			return nil, nil, err
		}
		if drops = drops + 1; !retry.dropped {
			drops = 0
		}
		if drops >= maxEarlyDrops {
			return nil, nil, retry.err
		}
		if ctx.Err() != nil {
			return nil, nil, contextErr(ctx, "join")
		}
		if time.Until(deadline) < backoff {
			return nil, nil, timeoutErr("PE %d could not join PE 0 at %s within %s: %v", cfg.Rank, addr,
				formatDuration(cfg.joinTimeout()), retry.err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, contextErr(ctx, "join")
		case <-t.C:
		}
		backoff = min(2*backoff, dialBackoffMax)
	}
}

// attempt is one connection: dial, TLS, Hello, then wait for the verdict.
func attempt(ctx context.Context, cfg *Config, addr string, deadline time.Time) (net.Conn, *bufio.Reader, error) {
	d := net.Dialer{Deadline: deadline, KeepAliveConfig: tcpopt.KeepAlive, Control: tcpopt.Control}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, &retryLater{err: err}
	}
	// A canceled ctx must end a blocked read or handshake, not just the dial.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_ = conn.SetDeadline(deadline)
	if tc := cfg.clientTLS(); tc != nil {
		tlsConn := tls.Client(conn, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			conn.Close()
			if ctx.Err() != nil {
				return nil, nil, contextErr(ctx, "join")
			}
			if droppedDuringHandshake(err) {
				// The previous job's rank 0 closing its listener as we
				// connected: worth another attempt, as in joinIOErr.
				return nil, nil, &retryLater{dropped: true, err: bootstrapErr(
					"TLS handshake with PE 0 at %s failed: the connection was dropped (%v)", addr, err)}
			}
			return nil, nil, bootstrapErr("TLS handshake with PE 0 at %s failed: %v", addr, err)
		}
		conn = tlsConn
	}
	r, err := handshake(conn, cfg, addr)
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, nil, contextErr(ctx, "join")
		}
		return nil, nil, err
	}
	stop()
	_ = conn.SetDeadline(time.Time{})
	return conn, r, nil
}

// handshake sends the Hello and reads rank 0's answer, which comes once every
// rank has arrived (or the join failed).
func handshake(conn net.Conn, cfg *Config, addr string) (*bufio.Reader, error) {
	hello := helloMsg{magic: protocolMagic, version: protocolVersion, rank: cfg.Rank, size: cfg.Size}.encode()
	if _, err := conn.Write(hello); err != nil {
		return nil, joinIOErr(cfg, addr, err)
	}
	r := bufio.NewReader(conn)
	kind, payload, err := readFrame(r, maxHandshakeFrameLen)
	if err != nil {
		return nil, joinIOErr(cfg, addr, err)
	}
	switch kind {
	case kindWelcome:
		size, err := decodeWelcome(payload)
		if err != nil || size != cfg.Size {
			return nil, bootstrapErr("PE 0 at %s welcomed PE %d into a job of size %d, expected %d", addr, cfg.Rank, size, cfg.Size)
		}
		return r, nil
	case kindReject:
		m, err := decodeReject(payload)
		if err != nil {
			return nil, bootstrapErr("PE 0 at %s sent a malformed rejection", addr)
		}
		rej := errcode.New(codeFromWire(m.code), "%s", m.msg)
		if m.retry {
			return nil, &retryLater{err: rej}
		}
		return nil, rej
	}
	return nil, bootstrapErr("PE 0 at %s answered the join with message kind %d: not a shmem bootstrap server?", addr, kind)
}

func joinIOErr(cfg *Config, addr string, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return timeoutErr("PE %d reached PE 0 at %s, but not all %d PEs arrived within %s", cfg.Rank, addr, cfg.Size,
			formatDuration(cfg.joinTimeout()))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("connection closed")
	}
	return &retryLater{dropped: true, err: bootstrapErr(
		"PE 0 at %s dropped the connection during the join (%v): TLS on one side only, or another service on that port?", addr, err)}
}

// droppedDuringHandshake tells a connection that went away mid-handshake
// (closed listener, reset) from a handshake the server really refused (bad
// certificate, unknown CA), which no retry can mend.
func droppedDuringHandshake(err error) bool {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
