// Package bootstrap is the rendezvous every PE uses at init, and the job's
// control plane until finalize.
//
// Rank 0 serves a small TCP server (optionally TLS) inside its own process;
// every rank, rank 0 included, is a client of it through a Session. Join
// returns once all ranks arrived; after that the session offers Allgather and
// Barrier over any list of world ranks, GlobalExit, and reports ranks whose
// connection drops without a graceful Close. Close is the graceful leave;
// rank 0's Close waits for the others, then closes the listener, so the same
// address can be joined again at once in the same process.
//
// # Errors
//
// Every error carries an errcode code: errcode.TimeoutError when a bound
// expired (JoinTimeout, OpTimeout, the leave or exit bounds), and
// errcode.BootstrapError for everything else. Messages name the PEs involved.
//
// # Protocol
//
// A frame is
//
//	length uint32 (big endian, bytes after this word) | kind uint8 | payload
//
// Payload fields are big-endian uint8/32/64; byte strings and strings are a
// uint32 length and the bytes; lists are a uint32 count and the entries.
// Frames are at most 256 MiB (one allgather's whole result; one rank's
// contribution at most half of that); before a peer has identified itself at
// most 64 KiB. Message kinds and constants are in protocol.go.
//
// Join. A client dials rank 0 (retrying with a short backoff until the join
// deadline, since start order is free), sends Hello{magic "SHMB", version,
// rank, size}, and waits. When every rank has said Hello the server sends
// Welcome{size} to all. A Hello with a different size, an out-of-range rank
// or a rank seen before fails the whole join: every connected rank gets
// Reject{code, message} and the listener closes. At the join deadline the
// server rejects everyone with a TimeoutError naming the PEs that never
// arrived. A Hello arriving after the join completed gets a Reject marked
// retry: it is most likely the next job's rank reaching a server that is
// still finalizing, so the client tries again until its own deadline.
// Connections that do not start with a valid Hello are dropped silently.
//
// Collectives. Allgather and Barrier send Gather{req, op, seq, group,
// members (sorted), data}, where seq counts this session's calls on group.
// The server keys pending collectives by (group, seq), checks that every
// member sent the same op and members, and when the last member arrived
// sends each member GatherDone{req, count, (rank, data)...} in rank order;
// the client reorders to the caller's member order. Requests are answered
// through the req id, so several goroutines may have collectives in flight
// on different groups. A member whose OpTimeout passes sends Abandon{req,
// op, seq, group, timeout}; the server fails that collective for every
// member that arrived with a TimeoutError naming the PEs that never entered,
// and remembers the failure for the ones that have not, so they fail at once
// instead of waiting for partners that gave up. Any failure comes back as
// GatherFail{req, code, message}.
//
// Global exit. Exit{req, status} makes the server queue ExitNotice{status,
// from} to every other rank still present; once those are written (at most
// about one second) it answers ExitSent{req, delivered, total}. A client
// runs OnGlobalExit on a goroutine of its own, so it runs even while the
// application is blocked in a collective.
//
// Liveness and leave. Leave{req} marks the rank as gone on purpose; the
// server answers LeaveAck{req} and fails collectives that still wait for
// that rank. A joined connection that ends without Leave (process death,
// or TCP keepalive giving up after about 11 s when a host vanishes) is a
// loss: the server sends PeerLost{rank} to the others and fails every
// pending and later collective; the clients fail theirs too and run
// OnPeerLost. A client whose connection to rank 0 ends without a prior
// Shutdown reports rank 0 lost the same way. Rank 0's Close sends Shutdown
// to the ranks still connected before closing, so that is no loss.
//
// The server never blocks on a peer: each connection has a reader goroutine
// and a writer goroutine draining a queue, and all server state sits under
// one mutex held only for bookkeeping.
package bootstrap
