package engine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

const (
	// DefaultChunkSize is the piece size of large copy-engine transfers when
	// Config.ChunkSize is 0 (the same for every engine).
	DefaultChunkSize = transport.DefaultChunkSize
	// DefaultWorkers is the number of copy-engine workers when Config.Workers is 0.
	DefaultWorkers = 2
	// InlineLimit is the largest copy-engine transfer the caller copies itself.
	InlineLimit uintptr = 4 << 10

	// maxWorkers bounds Config.Workers: more goroutines than this only add
	// scheduling cost to memory-bound copies.
	maxWorkers = 256
)
