package netengine

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

const (
	// DefaultChunkSize is the piece size of large transfers when
	// Config.ChunkSize is 0.
	DefaultChunkSize = transport.DefaultChunkSize
	// MaxLanes bounds Config.Lanes (Ascend's largest qp_num).
	MaxLanes = 32
	// DefaultDialTimeout bounds each connection set-up (dial, TLS, the secret
	// handshake) when Config.DialTimeout is 0.
	DefaultDialTimeout = 30 * time.Second
	// MinSecretLen is the shortest job secret accepted: a short secret could
	// be guessed by anyone able to reach the port.
	MinSecretLen = 16

	// maxQueuedOps bounds the operations waiting in one peer's send queue;
	// a caller issuing NBI operations faster than the network takes them
	// waits for room instead of growing the queue without limit.
	maxQueuedOps = 4096
	// smallPayload is the largest payload copied into the connection's write
	// buffer next to its header; larger ones go to the socket straight from
	// the caller's memory in one writev with their header.
	smallPayload = 16 << 10
	// ioBufferSize is the size of each connection's read and write buffers:
	// many small frames are read and written per system call.
	ioBufferSize = 64 << 10
	// minLocalAddress is the lowest address local memory can have: the page
	// at 0 is never mapped.
	minLocalAddress = 4096
	// acceptRetryDelay is the pause after a failed Accept (out of file
	// descriptors, say) before the next one.
	acceptRetryDelay = 50 * time.Millisecond
)

// maxDetachedConns bounds the connections an engine takes out of Go's
// poller (fdConn): a goroutine waiting on one (the reader while NBI work is
// outstanding, the sender while the socket is full) holds a thread, so a
// job with many remote PEs keeps them all in the poller instead (a
// variable so that tests can change it).
var maxDetachedConns = 64

// closeDrainTimeout bounds how long Close waits for outstanding NBI
// operations of a peer that neither answers nor drops its connection (a
// variable so that tests can shorten it).
var closeDrainTimeout = 10 * time.Second
