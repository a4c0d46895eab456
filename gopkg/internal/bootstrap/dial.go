package bootstrap

import (
	"bufio"
	"context"
	"crypto/hmac"
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
	foreign bool // the server serves another job: retried for foreignGrace only
	ownJob  bool // our own job's rank 0 answered (busy with its previous run)
}

func (r *retryLater) Error() string { return r.err.Error() }

// connect dials rank 0 until it answers the Hello with Welcome or a final
// Reject, or until deadline. It returns the connection and its reader (which
// may already hold frames sent right after the Welcome).
func connect(ctx context.Context, cfg *Config, addr string, deadline time.Time) (*joinResult, error) {
	backoff := dialBackoffStart
	drops := 0
	var foreignSince time.Time
	var foreignErr error
	for {
		res, err := attempt(ctx, cfg, addr, deadline)
		if err == nil {
			return res, nil
		}
		var retry *retryLater
		if !errors.As(err, &retry) {
			return nil, err
		}
		if drops = drops + 1; !retry.dropped {
			drops = 0
		}
		if drops >= maxEarlyDrops {
			return nil, retry.err
		}
		// Once another job answered at the address, only our own job's
		// rank 0 answering resets the clock: a refused dial after the other
		// job ended does not mean that ours is coming.
		switch {
		case retry.foreign:
			if foreignSince.IsZero() {
				foreignSince = time.Now()
			}
			foreignErr = retry.err
		case retry.ownJob:
			foreignSince = time.Time{}
		}
		if !foreignSince.IsZero() && time.Since(foreignSince) >= foreignGrace {
			return nil, foreignErr
		}
		if ctx.Err() != nil {
			return nil, contextErr(ctx, "join")
		}
		if time.Until(deadline) < backoff {
			if !foreignSince.IsZero() {
				return nil, foreignErr
			}
			return nil, timeoutErr("PE %d could not join PE 0 at %s within %s: %v", cfg.Rank, addr,
				formatDuration(cfg.joinTimeout()), retry.err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, contextErr(ctx, "join")
		case <-t.C:
		}
		backoff = min(2*backoff, dialBackoffMax)
	}
}

// joinResult is a connection that was welcomed into the job.
type joinResult struct {
	conn     net.Conn
	r        *bufio.Reader // may already hold frames sent right after the Welcome
	jobNonce []byte
}

// attempt is one connection: dial, TLS, challenge, Hello, then wait for the
// verdict.
func attempt(ctx context.Context, cfg *Config, addr string, deadline time.Time) (*joinResult, error) {
	d := net.Dialer{Deadline: deadline, KeepAliveConfig: tcpopt.KeepAlive, Control: tcpopt.Control}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &retryLater{err: err}
	}
	// A canceled ctx must end a blocked read or handshake, not just the dial.
	// The TCP socket's deadline ends the TLS layer's reads too; the closure
	// holds it, not conn, which becomes the TLS conn below while it may run.
	raw := conn
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_ = conn.SetDeadline(deadline)
	if tc := cfg.clientTLS(); tc != nil {
		tlsConn := tls.Client(conn, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			conn.Close()
			if ctx.Err() != nil {
				return nil, contextErr(ctx, "join")
			}
			if droppedDuringHandshake(err) {
				// The previous job's rank 0 closing its listener as we
				// connected: worth another attempt, as in joinIOErr.
				return nil, &retryLater{dropped: true, err: bootstrapErr(
					"TLS handshake with PE 0 at %s failed: the connection was dropped (%v)", addr, err)}
			}
			return nil, bootstrapErr("TLS handshake with PE 0 at %s failed: %v", addr, err)
		}
		conn = tlsConn
	}
	res, err := handshake(conn, cfg, addr)
	if err != nil {
		var waited *waitedErr
		if errors.As(err, &waited) {
			// Stopping while admitted: say so, or rank 0 takes the drop for
			// a death and fails the whole join.
			_ = conn.SetWriteDeadline(time.Now().Add(giveUpWrite))
			_, _ = conn.Write(encodeReq(kindLeave, 0))
			err = waited.err
		}
		conn.Close()
		if ctx.Err() != nil {
			return nil, contextErr(ctx, "join")
		}
		return nil, err
	}
	stop()
	_ = conn.SetDeadline(time.Time{})
	return res, nil
}

// waitedErr is a handshake that stopped while waiting for the verdict on its
// own account (deadline, context), not because rank 0 went away.
type waitedErr struct{ err error }

func (w *waitedErr) Error() string { return w.err.Error() }

// handshake reads rank 0's challenge, sends the Hello and reads the verdict,
// which comes once every rank has arrived (or the join failed).
func handshake(conn net.Conn, cfg *Config, addr string) (*joinResult, error) {
	if _, err := conn.Write(encodeKnock()); err != nil {
		return nil, joinIOErr(cfg, addr, err)
	}
	r := bufio.NewReader(conn)
	kind, payload, err := readFrame(r, maxHandshakeFrameLen)
	if err != nil {
		return nil, joinIOErr(cfg, addr, err)
	}
	if kind == kindReject {
		// Before any challenge: a server of another protocol version, or one
		// that started closing between accepting us and greeting us (its
		// previous run ends; its verdict says to come back): the next init
		// right after a finalize meets that often on a loaded machine.
		if m, err := decodeReject(payload); err == nil {
			return nil, rejection(m)
		}
	}
	ch, err := decodeChallenge(payload)
	switch {
	case kind != kindChallenge || err != nil || ch.magic != protocolMagic:
		return nil, bootstrapErr("PE 0 at %s did not greet PE %d as a shmem rendezvous does: another service on that port?", addr, cfg.Rank)
	case ch.version != protocolVersion:
		return nil, bootstrapErr("PE 0 at %s speaks bootstrap protocol v%d, PE %d speaks v%d: mixed shmem versions",
			addr, ch.version, cfg.Rank, protocolVersion)
	case ch.jobID != cfg.JobID:
		return nil, &retryLater{foreign: true, err: bootstrapErr("PE %d of job %s reached the rendezvous of another job, %s, at %s: "+
			"two jobs use one address; give each job its own (SHMEM_IP_PORT, MASTER_PORT)",
			cfg.Rank, jobName(cfg.JobID), jobName(ch.jobID), addr)}
	}
	key := cfg.authKey()
	nonce := newNonce()
	hello := helloMsg{magic: protocolMagic, version: protocolVersion, rank: cfg.Rank, size: cfg.Size, jobID: cfg.JobID,
		nonce: nonce, mac: helloMAC(key, ch.nonce, nonce, cfg.Rank, cfg.Size, cfg.JobID)}
	if _, err := conn.Write(hello.encode()); err != nil {
		return nil, joinIOErr(cfg, addr, err)
	}
	kind, payload, err = readFrame(r, maxHandshakeFrameLen)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, &waitedErr{joinIOErr(cfg, addr, err)}
		}
		// Admitted, then the connection ended with no verdict: a server
		// that closes or refuses always says so first, so rank 0 is gone.
		return nil, bootstrapErr("PE 0 at %s died during init: the connection of PE %d dropped while it waited for the others (%v)",
			addr, cfg.Rank, err)
	}
	switch kind {
	case kindWelcome:
		m, err := decodeWelcome(payload)
		if err != nil || m.size != cfg.Size {
			return nil, bootstrapErr("PE 0 at %s welcomed PE %d into a job of size %d, expected %d", addr, cfg.Rank, m.size, cfg.Size)
		}
		if !hmac.Equal(m.mac, welcomeMAC(key, ch.nonce, nonce, cfg.Rank, cfg.Size, m.jobNonce)) {
			return nil, bootstrapErr("the process serving at %s could not prove that it is PE 0 of job %s "+
				"(it does not know the job key, SHMEM_JOB_KEY)", addr, jobName(cfg.JobID))
		}
		return &joinResult{conn: conn, r: r, jobNonce: m.jobNonce}, nil
	case kindReject:
		m, err := decodeReject(payload)
		if err != nil {
			return nil, bootstrapErr("PE 0 at %s sent a malformed rejection", addr)
		}
		return nil, rejection(m)
	}
	return nil, bootstrapErr("PE 0 at %s answered the join with message kind %d: not a shmem bootstrap server?", addr, kind)
}

// rejection is the error a Reject stands for: worth another attempt when
// its verdict says so.
func rejection(m rejectMsg) error {
	rej := errcode.New(codeFromWire(m.code), "%s", m.msg)
	switch m.verdict {
	case verdictRetry:
		return &retryLater{err: rej, ownJob: true}
	case verdictForeign:
		return &retryLater{err: rej, foreign: true}
	}
	return rej
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
