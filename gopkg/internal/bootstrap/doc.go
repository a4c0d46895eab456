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
// deadline, since start order is free) and sends Knock{magic "SHMB",
// version}; the server answers Challenge{magic, version, nonce, job id}. The
// client sends Hello{magic, version, rank, size, job id, nonce, mac}, mac
// being HMAC-SHA256 under the job's auth key over both nonces, rank, size and
// job id (see "Membership"), and waits. When every rank has said Hello the
// server sends each Welcome{size, job nonce, mac}, its own HMAC over the
// client's nonce, which the client checks. A Hello that cannot be admitted is
// refused alone with Reject{code, verdict, message}: another job's (verdict
// foreign: the client knocks again for foreignGrace, then fails naming both
// jobs), one without the key, a rank present already, out of range or with
// another size (final); the join goes on. At the join deadline the server
// rejects everyone with a TimeoutError naming the PEs that never arrived. A
// Hello arriving after the join completed, or while the server closes, gets
// verdict retry: it is most likely the next run's rank reaching a server
// that is still finalizing, so the client tries again until its own
// deadline. Connections that do not start with a valid Knock are dropped
// silently.
//
// Deaths during the join. A client that stops waiting on its own (deadline,
// context) sends Leave before closing; an admitted connection that ends
// without it is a death, and the server fails the join for everyone present
// at once ("PE n died during init"). A client whose connection ends after
// its Hello without any verdict knows that rank 0 died: a live server always
// answers.
//
// Membership. The auth key is Config.JobKey, a secret of the job's
// processes, or, without one, a hash of Config.JobID, which keeps jobs apart
// but no attacker out. The key never travels; Session.DataSecret derives the
// data connections' secret from it and the public job nonce. With Beacon,
// rank 0 listens on an ephemeral loopback port, draws a fresh key, and tells
// both to processes of its own user that ask on an abstract unix socket
// named from the job identity (beacon.go).
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
// about one second) it answers ExitSent{req, delivered, total, status}. Only
// the first Exit is forwarded: a later one (two PEs exiting at once) waits
// for the first one's notices and gets its status, so every PE ends with it. A client
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
