package netengine

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/tcpopt"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Connect dials every PE pe with use[pe] at addrs[pe] (the addresses the PEs'
// Addr reported, exchanged through the rendezvous), in parallel, each under
// the dial timeout. It is called once. If any PE cannot be reached, or
// refuses (job secret mismatch), the connections already made are closed
// and the error names the lowest such PE; nothing is connected then.
func (e *Engine) Connect(addrs []string, use []bool) error {
	if !e.gate.Enter() {
		return errClosed
	}
	defer e.gate.Leave()
	if len(addrs) != e.cfg.Size || len(use) != e.cfg.Size {
		return errcode.New(errcode.InvalidParam, "connect: %d addresses and %d use flags for %d PEs",
			len(addrs), len(use), e.cfg.Size)
	}
	e.mu.Lock()
	again := e.connected
	e.connected = true
	e.mu.Unlock()
	if again {
		return errcode.New(errcode.InvalidParam, "the network engine of PE %d is already connected", e.cfg.Rank)
	}

	peers := make([]*peer, e.cfg.Size)
	lanes := make([][]*peer, e.cfg.Size)
	errs := make([]error, e.cfg.Size*e.cfg.Lanes)
	// Detached connections (fdConn) cost a thread each while a goroutine
	// waits on one; beyond a bound they stay in Go's poller, which waits
	// for any number of them with one thread.
	remote := 0
	for _, u := range use {
		if u {
			remote++
		}
	}
	detach := remote*e.cfg.Lanes <= maxDetachedConns
	var wg sync.WaitGroup
	for pe, u := range use {
		if !u {
			continue
		}
		lanes[pe] = make([]*peer, e.cfg.Lanes)
		for k := range e.cfg.Lanes {
			wg.Go(func() { lanes[pe][k], errs[pe*e.cfg.Lanes+k] = e.dial(pe, addrs[pe], detach) })
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, l := range lanes {
			for _, p := range l {
				if p != nil {
					p.close()
				}
			}
		}
		e.cfg.Logf("%v", err)
		return err
	}
	for pe, l := range lanes {
		if l != nil {
			peers[pe] = l[0]
		}
	}
	e.lanes.Store(&lanes)
	e.peers.Store(&peers)
	return nil
}

// dial connects to PE pe: TCP, TLS when configured, the secret handshake;
// with detach, a plain TCP connection then leaves Go's poller (fdConn).
// The peer is registered for Close before its goroutines start.
func (e *Engine) dial(pe int, addr string, detach bool) (*peer, error) {
	fail := func(err error) (*peer, error) {
		return nil, errcode.New(errcode.BootstrapError, "PE %d connecting to PE %d at %s: %v", e.cfg.Rank, pe, addr, err)
	}
	// Close cancels closing, which ends a dial or handshake in progress.
	ctx, cancel := context.WithTimeout(e.closing, e.cfg.DialTimeout)
	defer cancel()
	d := net.Dialer{KeepAliveConfig: tcpopt.KeepAlive, Control: tcpopt.Control}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(err)
	}
	tuneConn(raw)
	deadline, _ := ctx.Deadline()
	_ = raw.SetDeadline(deadline)
	interrupt := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	conn := raw
	if e.cfg.ClientTLS != nil {
		tc := tls.Client(raw, e.clientTLS(addr))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return fail(err)
		}
		conn = tc
	}
	if err := clientHandshake(conn, &e.cfg, pe); err != nil {
		_ = raw.Close()
		return fail(err)
	}
	if !interrupt() {
		_ = raw.Close()
		return fail(ctx.Err())
	}
	_ = raw.SetDeadline(time.Time{})
	if tc, ok := raw.(*net.TCPConn); ok && detach && conn == raw {
		fc, err := detachConn(tc)
		if err != nil {
			_ = raw.Close()
			return fail(err)
		}
		conn, raw = fc, fc
	}

	p := newPeer(e, pe, conn, raw)
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		_ = raw.Close()
		return nil, errClosed
	}
	e.outbound = append(e.outbound, p)
	e.mu.Unlock()
	p.start()
	return p, nil
}

// clientTLS fills in ServerName from the dialed address when the config
// leaves it empty, so certificates are checked against the host dialed.
func (e *Engine) clientTLS(addr string) *tls.Config {
	if e.cfg.ClientTLS.ServerName != "" {
		return e.cfg.ClientTLS
	}
	tc := e.cfg.ClientTLS.Clone()
	tc.ServerName, _, _ = net.SplitHostPort(addr)
	return tc
}
