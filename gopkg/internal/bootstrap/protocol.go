package bootstrap

import (
	"time"
)

// Wire constants. A frame is a 4-byte big-endian length (of what follows),
// a 1-byte message kind and the kind's payload; see doc.go.
const (
	protocolMagic uint32 = 0x53484d42 // "SHMB": the first word of every Hello
	// v2: the server opens with a Challenge; Hello and Welcome carry the
	// job identity and HMACs proving the job key (see doc.go, "Membership").
	protocolVersion uint32 = 2

	frameHeaderLen = 5 // length word + kind byte

	// maxFrameLen caps any one frame (and so an allgather's whole result),
	// so a corrupt or hostile length cannot make a peer allocate without bound.
	maxFrameLen = 256 << 20
	// maxHandshakeFrameLen caps frames read before a peer has identified
	// itself (Hello on the server, Welcome/Reject on the client).
	maxHandshakeFrameLen = 64 << 10
	maxGroupNameLen      = 4096
	maxRanks             = 1 << 20 // ranks travel as uint32; this keeps per-rank tables sane
	maxJobIDLen          = 1024
	nonceLen             = 32 // challenge, client and job nonces
	macLen               = 32 // HMAC-SHA256
)

// msgKind is the kind byte of a frame. "c>s" travels from a client to rank
// 0's server, "s>c" the other way.
type msgKind uint8

const (
	kindHello      msgKind = iota + 1 // c>s magic, version, rank, size, job id, nonce, mac
	kindWelcome                       // s>c every rank has joined: size, job nonce, mac
	kindReject                        // s>c join refused: code, verdict, message
	kindGather                        // c>s req, op, seq, group, members, data
	kindGatherDone                    // s>c req, then (rank, data) of every member
	kindGatherFail                    // s>c req, code, message
	kindAbandon                       // c>s req, op, seq, group, timeout: the caller gave up waiting
	kindExit                          // c>s req, status: tell every other rank
	kindExitNotice                    // s>c status, from: some rank called GlobalExit
	kindExitSent                      // s>c req, delivered, total: the notices were written
	kindPeerLost                      // s>c rank: its connection dropped without a leave
	kindLeave                         // c>s req: graceful leave
	kindLeaveAck                      // s>c req
	kindShutdown                      // s>c the server is closing after its own graceful leave
	kindChallenge                     // s>c answer to Knock: magic, version, nonce, job id
	kindKnock                         // c>s first frame of every connection: magic, version
)

// opKind tells apart the collectives that share the gather machinery, so a
// barrier can never be matched with an allgather and messages name the call.
type opKind uint8

const (
	opAllgather opKind = 1
	opBarrier   opKind = 2
)

func (o opKind) String() string {
	switch o {
	case opAllgather:
		return "allgather"
	case opBarrier:
		return "barrier"
	}
	return "collective"
}

// Timing. Join and collective bounds come from Config; these are the fixed
// ones.
const (
	defaultJoinTimeout  = 120 * time.Second // Config.JoinTimeout == 0: the API's default shm_init_timeout
	defaultLeaveTimeout = 5 * time.Second   // rank 0's Close bound when OpTimeout is 0

	dialBackoffStart = 10 * time.Millisecond
	dialBackoffMax   = 200 * time.Millisecond
	maxEarlyDrops    = 5 // connections in a row dropped before rank 0 answered: give up

	// rank0HandshakeGrace lets rank 0's own client outlive the server's join
	// deadline, so the server's precise "PE n never arrived" reaches it.
	rank0HandshakeGrace = 2 * time.Second

	exitDeliveryBound = time.Second            // GlobalExit's promise
	exitReplyGrace    = 500 * time.Millisecond // client waits this much longer for the server's tally
	abandonGrace      = 500 * time.Millisecond // after a timeout, time for the server's detailed reason
	helloIdleTimeout  = 10 * time.Second       // a connection that stays silent after the join is dropped
	// foreignGrace is how long a PE keeps knocking at a rendezvous that
	// serves another job: long enough for that job's rank 0 to finish
	// closing when jobs run one after the other, short enough that two jobs
	// started on one address fail with a clear error instead of hanging.
	foreignGrace = 3 * time.Second
	// giveUpWrite bounds the goodbye a PE sends when it stops waiting in the
	// join, so that rank 0 does not take it for dead.
	giveUpWrite   = 200 * time.Millisecond
	writeTimeout  = 10 * time.Second // bound on one write to a peer that stopped reading
	shutdownFlush = time.Second      // server Close: time for the last frames to go out
)
