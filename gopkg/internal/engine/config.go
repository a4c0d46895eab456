package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
)

// Config describes the job's heaps as seen from this process.
type Config struct {
	Bases     []uintptr // Bases[pe] = address where PE pe's user heap is mapped here; 0 = not load/store reachable
	HeapSize  uintptr   // usable bytes of every PE's user heap (same on all)
	ChunkSize uintptr   // large transfers are split into chunks of this many bytes (default 1 MiB when 0)
	Workers   int       // copy-engine workers (SDMA); default 2 when 0
	// Wakes[pe] is the wake block (package signal) of PE pe's segment as
	// mapped here: after a put lands, its sleepers are woken through it. nil,
	// or a 0 entry, wakes nobody.
	Wakes []uintptr
	// TrustHeaps says the heaps are mappings this process made read/write and
	// keeps until Close (the job's own segments, pages reserved up front), so
	// large copies need not probe them for faults first; a buffer of the user
	// that lies outside every heap is probed all the same.
	TrustHeaps bool
	// Live says which PEs have died: a call to a dead PE fails with its
	// error (BootstrapError) instead of touching the memory it left behind,
	// and an NBI transfer not yet copied when it died fails at Quiet. nil:
	// every PE is taken to be alive.
	Live *liveness.Set
}

// withDefaults validates cfg and returns a copy with defaults filled in. Bases
// is copied so that the caller changing its slice later cannot redirect copies.
func (cfg Config) withDefaults() (Config, error) {
	if len(cfg.Bases) == 0 {
		return cfg, errcode.New(errcode.InvalidParam, "engine config has no PEs")
	}
	if cfg.HeapSize == 0 {
		return cfg, errcode.New(errcode.InvalidParam, "engine config has a heap size of 0")
	}
	for pe, base := range cfg.Bases {
		if base == 0 {
			continue
		}
		if base < minHeapAddress || base+cfg.HeapSize < base {
			return cfg, errcode.New(errcode.InvalidParam,
				"PE %d's heap at %#x (%d bytes) is not a valid address range", pe, base, cfg.HeapSize)
		}
	}
	if cfg.Workers < 0 || cfg.Workers > maxWorkers {
		return cfg, errcode.New(errcode.InvalidParam, "copy-engine workers %d not in 0..%d", cfg.Workers, maxWorkers)
	}
	out := cfg
	out.Bases = append([]uintptr(nil), cfg.Bases...)
	if cfg.Wakes != nil && len(cfg.Wakes) != len(cfg.Bases) {
		return cfg, errcode.New(errcode.InvalidParam, "engine config has %d wake blocks for %d PEs", len(cfg.Wakes), len(cfg.Bases))
	}
	out.Wakes = append([]uintptr(nil), cfg.Wakes...)
	if out.ChunkSize == 0 {
		out.ChunkSize = DefaultChunkSize
	}
	if out.Workers == 0 {
		out.Workers = DefaultWorkers
	}
	return out, nil
}
