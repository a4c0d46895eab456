package bootstrap

import (
	"context"
	"time"
)

// Join meets the other ranks: rank 0 starts serving at cfg.Addr, every rank
// (rank 0 too) connects to it, retrying until JoinTimeout, and Join returns
// once all Size ranks arrived. ctx bounds only the join. On failure nothing
// is left behind: no goroutine, no socket, no listener.
func Join(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	started := time.Now()
	deadline := started.Add(cfg.joinTimeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if cfg.Beacon {
		cfg.Addr = "127.0.0.1:0"
		if cfg.Rank != 0 {
			addr, key, err := askBeacon(ctx, &cfg, deadline)
			if err != nil {
				return nil, err
			}
			cfg.Addr, cfg.JobKey = addr, key
		} else if len(cfg.JobKey) == 0 {
			cfg.JobKey = newNonce()
		}
	}
	var srv *server
	addr, clientDeadline, clientCtx := cfg.Addr, deadline, ctx
	if cfg.Rank == 0 {
		// Rank 0's own client gives up as soon as its server's join failed.
		var cancel context.CancelFunc
		clientCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		var err error
		if srv, err = listen(&cfg, started, deadline, cancel); err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { srv.failJoinFromContext(ctx) })
		defer stop()
		addr, clientDeadline = srv.dialAddr(cfg.Addr), deadline.Add(rank0HandshakeGrace)
		if cfg.Beacon {
			b, err := startBeacon(cfg.JobID, addr, cfg.JobKey)
			if err != nil {
				srv.shutdown()
				return nil, err
			}
			defer b.stop() // once the join is over, nobody needs it
		}
	}
	res, err := connect(clientCtx, &cfg, addr, clientDeadline)
	if err != nil {
		if srv != nil {
			if ctx.Err() != nil {
				srv.failJoinFromContext(ctx)
			}
			if joinErr := srv.joinError(); joinErr != nil {
				err = joinErr // the server's account names the missing ranks
			}
			srv.shutdown()
		}
		return nil, err
	}
	s := &Session{
		cfg:        cfg,
		conn:       res.conn,
		jobNonce:   res.jobNonce,
		srv:        srv,
		pending:    make(map[uint64]pendingReq),
		seqs:       make(map[string]uint64),
		lost:       make(map[int]bool),
		readerDone: make(chan struct{}),
	}
	go s.readLoop(res.r)
	return s, nil
}
