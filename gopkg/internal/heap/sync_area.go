package heap

// SyncAreaSize is the size of the sync area at the start of every segment, the
// runtime's own shared words. A multiple of every page size in use (4 KiB,
// 16 KiB, 64 KiB), so the user heap after it starts on a page boundary.
const SyncAreaSize = 64 << 10
