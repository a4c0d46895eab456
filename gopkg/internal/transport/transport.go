package transport

// Transport moves bytes between this process and the symmetric heaps of PEs.
// Offsets are relative to the start of a PE's user heap; local addresses are
// addresses in this process. All methods are safe for concurrent use. n == 0
// is a no-op that succeeds (except PutSignal, which still applies the signal).
type Transport interface {
	// Put copies bytes [src, src+n) of this process to PE pe's heap at dstOff;
	// the data is in place when it returns.
	Put(pe int, dstOff, src, n uintptr) error
	// Get copies n bytes of PE pe's heap at srcOff to [dst, dst+n) here.
	Get(dst uintptr, pe int, srcOff, n uintptr) error
	// PutNBI starts a Put; it may return before the copy is done, and errors of
	// the copy then surface at Quiet. src must stay untouched until Quiet.
	PutNBI(pe int, dstOff, src, n uintptr) error
	// GetNBI starts a Get, as PutNBI does; dst holds the data after Quiet.
	GetNBI(dst uintptr, pe int, srcOff, n uintptr) error
	// PutSignal is Put (nbi false) or PutNBI (nbi true) that applies sig to
	// PE pe once the data is in place, and only if the copy succeeded, so
	// whoever sees the signal sees the data. sig's error is the transfer's.
	PutSignal(pe int, dstOff, src, n uintptr, sig Signal, nbi bool) error
	// Atomic applies op (signal.Amo*) to the width-byte (4 or 8) integer at
	// heap offset off of PE pe with a real atomic instruction, wakes the
	// waiters on it, and returns the word's previous value (for AmoFetch: its
	// value; 32-bit words sign-extended). It is ordered after this process's
	// earlier blocking puts to pe. See CheckAtomic for what it refuses.
	Atomic(pe, op, width int, off uintptr, operand, cond int64) (int64, error)
	// Quiet completes every NBI transfer issued before it and returns the first
	// error any NBI transfer hit since the last Quiet, clearing it.
	Quiet() error
	// Fence orders this process's earlier puts to each PE before its later ones.
	Fence() error
	// SetChunkSize sets the piece size of later large transfers (n > 0).
	SetChunkSize(n uintptr) error
	// ChunkSize reports the piece size of large transfers.
	ChunkSize() uintptr
	// Close waits for outstanding work and stops workers; idempotent. It
	// returns the NBI error no Quiet collected. Every later call fails with
	// errcode.NotInited.
	Close() error
}
