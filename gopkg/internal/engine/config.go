package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// Config describes the job's heaps as seen from this process.
type Config struct {
	// Table is the job's reachability table: where each PE's heap is mapped
	// here and which PEs are alive. The job builds it once and hands the same
	// table to every engine. When it is nil, one is built from Bases, Wakes,
	// HeapSize and Live (an engine on its own, as in tests).
	Table *transport.Table

	Bases    []uintptr // Bases[pe] = address where PE pe's user heap is mapped here; 0 = not load/store reachable
	HeapSize uintptr   // usable bytes of every PE's user heap (same on all)
	// Wakes[pe] is the wake block (package signal) of PE pe's segment as
	// mapped here: after a put lands, its sleepers are woken through it. nil,
	// or a 0 entry, wakes nobody.
	Wakes []uintptr
	// Live says which PEs have died: a call to a dead PE fails with its
	// error (BootstrapError) instead of touching the memory it left behind,
	// and an NBI transfer not yet copied when it died fails at Quiet. nil:
	// every PE is taken to be alive.
	Live *liveness.Set

	ChunkSize uintptr // large transfers are split into chunks of this many bytes (default 1 MiB when 0)
	Workers   int     // copy-engine workers (SDMA); default 2 when 0
	// TrustHeaps says the heaps are mappings this process made read/write and
	// keeps until Close (the job's own segments, pages reserved up front), so
	// large copies need not probe them for faults first; a buffer of the user
	// that lies outside every heap is probed all the same.
	TrustHeaps bool
}

// withDefaults validates cfg and returns a copy with defaults filled in and
// its table built.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Workers < 0 || cfg.Workers > maxWorkers {
		return cfg, errcode.New(errcode.InvalidParam, "copy-engine workers %d not in 0..%d", cfg.Workers, maxWorkers)
	}
	out := cfg
	if out.Table == nil {
		t, err := transport.NewTable(transport.TableConfig{Bases: cfg.Bases, Wakes: cfg.Wakes, HeapSize: cfg.HeapSize,
			Live: cfg.Live})
		if err != nil {
			return cfg, err
		}
		out.Table = t
	}
	if out.Workers == 0 {
		out.Workers = DefaultWorkers
	}
	return out, nil
}

// heaps is the heap map of a checked configuration.
func (cfg *Config) heaps() heapMap {
	return heapMap{table: cfg.Table, trusted: cfg.TrustHeaps}
}
