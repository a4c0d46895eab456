package netengine

// Wire protocol constants; doc.go describes the protocol.

const (
	protocolMagic   = "SHMN"
	protocolVersion = 1

	nonceLen = 32 // bytes of each handshake nonce
	macLen   = 32 // bytes of an HMAC-SHA256

	serverHelloLen   = 4 + 2 + 2 + 4 + 4 + nonceLen          // magic, version, reserved, rank, size, nonce
	clientProofLen   = 4 + 2 + 2 + 4 + 4 + nonceLen + macLen // magic, version, reserved, rank, size, nonce, mac
	serverVerdictLen = 4 + macLen                            // status, reserved, mac

	requestHeaderLen  = 48
	responseHeaderLen = 40

	// maxFrameLen bounds the payload of one frame (and the length a get
	// request may ask for); chunk sizes above it are clamped to it.
	maxFrameLen = 1 << 30
	// maxErrorTextLen bounds the message an error response carries.
	maxErrorTextLen = 4 << 10
)

// Labels that keep the two proofs of the handshake apart, so that neither
// side's answer can be replayed as the other's.
const (
	clientProofLabel = "shmem-net client proof"
	serverProofLabel = "shmem-net server proof"
)

// Verdicts of the handshake.
const (
	verdictAccepted       = 0
	verdictSecretMismatch = 1
	verdictBadIdentity    = 2
	verdictBadVersion     = 3
)

// Request operations.
const (
	opPut    = 1 // payload of len bytes for the heap at off
	opGet    = 2 // len bytes of the heap at off are asked for
	opAtomic = 3 // aux = atomic operation, width = 4 or 8, a = operand, b = cond
	opFlush  = 4 // answered once everything before it is applied
)

// Request flags.
const (
	flagFinal  = 1 << 0 // last frame of an operation
	flagAck    = 1 << 1 // put: answer the final frame even when it succeeded
	flagSignal = 1 << 2 // put: after the final frame, update the signal word at a (aux = op, b = value)
)

// Response status.
const (
	statusOK    = 0
	statusError = 1 // payload: the error message; code: its errcode
)
