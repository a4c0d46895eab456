package netengine

import (
	"crypto/tls"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Config describes this PE's side of the network data plane.
type Config struct {
	Rank, Size int     // this PE's world rank and the number of PEs
	HeapBase   uintptr // this PE's user heap: remote puts, gets and atomics land here, at offsets
	HeapSize   uintptr // bytes of the user heap (the same on every PE)
	WakeBlock  uintptr // this PE's wake block (signal.WakeBlockSize bytes): remote updates wake local waiters through it
	Secret     []byte  // the job secret (at least MinSecretLen bytes): a peer that cannot prove it is refused
	ListenHost string  // interface to listen on ("" = all); the kernel picks the port
	ChunkSize  uintptr // large transfers go in pieces of this size (DefaultChunkSize when 0)
	// Lanes is the number of connections to each peer (1 when 0, at most
	// MaxLanes): a blocking put or get of at least two chunks is split over
	// all of them at once (Ascend's qp_num); everything else uses the first.
	Lanes int
	// ServerTLS and ClientTLS turn on TLS for the listener and for dialed
	// connections (nil: plain TCP). Mutual authentication is the configs'
	// business (ClientAuth, Certificates); an empty ClientTLS.ServerName
	// becomes the dialed host.
	ServerTLS, ClientTLS *tls.Config
	DialTimeout          time.Duration // bound on each connection set-up, both sides (DefaultDialTimeout when 0)
	// OpTimeout bounds the wait for a blocking operation's answer and for
	// Quiet (control_operation_timeout; 0: no bound), so a frozen peer
	// (SIGSTOP) cannot block a caller forever.
	OpTimeout time.Duration
	// Logf, if set, receives what no caller can be told: refused or failed
	// incoming connections, peers that broke the protocol.
	Logf func(format string, args ...any)
}

// withDefaults validates cfg and returns a copy with defaults filled in.
func (cfg Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return cfg, errcode.New(errcode.InvalidParam, "network engine config: "+format, args...)
	}
	switch {
	case cfg.Size < 1:
		return bad("size %d: a job needs at least one PE", cfg.Size)
	case cfg.Rank < 0 || cfg.Rank >= cfg.Size:
		return bad("rank %d is out of range for size %d", cfg.Rank, cfg.Size)
	case cfg.HeapSize == 0:
		return bad("heap size is 0")
	case cfg.HeapBase < minLocalAddress || cfg.HeapBase+cfg.HeapSize < cfg.HeapBase:
		return bad("heap at %#x (%d bytes) is not a valid address range", cfg.HeapBase, cfg.HeapSize)
	case cfg.WakeBlock < minLocalAddress || cfg.WakeBlock%4 != 0:
		return bad("wake block address %#x is null or not 4-byte aligned", cfg.WakeBlock)
	case len(cfg.Secret) < MinSecretLen:
		return bad("job secret of %d bytes is shorter than %d", len(cfg.Secret), MinSecretLen)
	case cfg.Lanes < 0 || cfg.Lanes > MaxLanes:
		return bad("%d connections per peer is not in 1..%d", cfg.Lanes, MaxLanes)
	case cfg.OpTimeout < 0:
		return bad("negative operation timeout %s", cfg.OpTimeout)
	case cfg.DialTimeout < 0:
		return bad("negative dial timeout %s", cfg.DialTimeout)
	}
	out := cfg
	out.Secret = append([]byte(nil), cfg.Secret...)
	if out.ChunkSize == 0 {
		out.ChunkSize = DefaultChunkSize
	}
	if out.Lanes == 0 {
		out.Lanes = 1
	}
	if out.DialTimeout == 0 {
		out.DialTimeout = DefaultDialTimeout
	}
	if out.Logf == nil {
		out.Logf = func(string, ...any) {}
	}
	return out, nil
}
