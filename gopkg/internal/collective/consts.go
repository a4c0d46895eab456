package collective

const (
	// smallReduceBytes: a reduction whose sources, all members together, are
	// at most this large is reduced whole by every member (two barriers);
	// above it, reduce-scatter + all-gather (three barriers) reads less.
	smallReduceBytes = 64 << 10
	// tileBytes is how much of each source a reduction step combines: small
	// enough that partial results stay in the L1/L2 cache.
	tileBytes = 16 << 10
	// chunkAlign: reduce-scatter chunks start on cache-line boundaries.
	chunkAlign = 64
)
