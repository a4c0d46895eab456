package engine

const (
	// DefaultChunkSize is the piece size of large copy-engine transfers when
	// Config.ChunkSize is 0.
	DefaultChunkSize uintptr = 1 << 20
	// DefaultWorkers is the number of copy-engine workers when Config.Workers is 0.
	DefaultWorkers = 2
	// InlineLimit is the largest copy-engine transfer the caller copies itself.
	InlineLimit uintptr = 4 << 10

	// maxWorkers bounds Config.Workers: more goroutines than this only add
	// scheduling cost to memory-bound copies.
	maxWorkers = 256
	// minHeapAddress is the lowest address a mapped heap can have: the page at
	// 0 is never mapped, and addresses below it are not pointers.
	minHeapAddress = 4096
)
