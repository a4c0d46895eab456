// Package netengine is the network data plane between PEs: puts, gets,
// signals and atomics on another PE's symmetric heap over TCP (optionally
// TLS), for PEs on other hosts and, with the ROCE engine, for every PE.
//
// The job layer creates one Engine per PE with Listen, publishes Addr
// through the rendezvous, and calls Connect with everybody's address and
// the PEs to reach this way. Offsets are into the target PE's user heap;
// local sides are raw addresses in this process. Engine implements
// transport.Transport, as the same-host engines do (the job's router sends
// it the calls for the PEs its reachability table marks remote); Signal
// adds a signal update without data.
//
// # Connections
//
// Each PE has one outgoing connection per peer, carrying its requests to
// that peer and the peer's answers back (so a pair of PEs uses two). Calls
// queue requests on the peer's FIFO send queue (at most 4096 waiting; more
// wait for room). A blocking call that finds nobody writing writes the queue
// itself up to its own request, then hands what is left to the peer's sender
// goroutine; NBI calls leave the writing to that goroutine and return.
// Answers are read by whoever holds the peer's read role, which somebody
// holds whenever an answer may come: a blocking call that finds it free
// takes it and reads its own answer (and any before it) straight from the
// socket, asleep in poll(2) on it meanwhile, so the answer wakes that thread
// directly (a caller from Python is locked to its thread: through Go's
// poller the answer would wake the poller's thread, which would then wake
// the caller's). It stops between answers, when its own is in, when it
// must give up (timeout, Ctrl-C: it looks every 20 ms), or before an answer
// that does not fit the read buffer (a large get, read straight into its
// destination), and hands the role to the peer's reader goroutine if more
// answers may come. That goroutine reads through Go's poller until nothing
// is pending and no NBI operation is outstanding; it also serves Quiet's
// flushes, NBI gets and TLS connections (whose buffered plaintext poll(2)
// cannot see). A dialed plain TCP connection is taken out of Go's poller
// after the handshake (a blocking socket, plain read, write and writev
// calls): in the poller every arriving answer would also wake the poller's
// thread, and a write waiting for room would be woken through it too. The
// write watchdog then shuts the socket down instead of setting a deadline.
// A goroutine waiting on such a connection holds a thread, so only engines
// with at most 64 connections (remote PEs times lanes) detach them.
// Accepted connections stay in the poller.
// On the other side a goroutine per incoming connection applies the
// requests to the heap, one at a time in arrival order, and answers in that
// order. Small frames are batched through 64 KiB buffers; a large payload
// goes between memory and the socket without a copy: one writev of header
// and payload, and the receiver reads it straight into the heap (put) or the
// caller's buffer (get).
//
// # Handshake
//
// The server speaks first. All integers are little endian.
//
//	server hello   "SHMN" | version u16 | 0 u16 | rank u32 | size u32 | nonce [32]
//	client proof   "SHMN" | version u16 | 0 u16 | rank u32 | size u32 | nonce [32] | mac [32]
//	server verdict status u8 | 0 [3] | mac [32]
//
// The client's mac is HMAC-SHA256(secret, "shmem-net client proof" ||
// server nonce || client rank u32); the server's (in an accepting verdict)
// is HMAC-SHA256(secret, "shmem-net server proof" || client nonce || server
// rank u32), so the dialer knows it reached a PE of its job before sending
// it data. The client also checks the server is the PE it meant to dial.
// A verdict other than 0 (1 job secret mismatch, 2 not a PE of this job,
// 3 version mismatch) is followed by the server closing the connection; the
// dialer's Connect fails with errcode.BootstrapError ("refused: job secret
// mismatch"), the server reports the refusal to Config.Logf. With TLS the
// handshake runs inside the TLS session. Set-up on both sides is bounded by
// the dial timeout.
//
// # Requests
//
// A request frame is a 48-byte header, then the payload:
//
//	op u8 | flags u8 | aux u8 | width u8 | 0 u32 | id u64 | off u64 | len u64 | a u64 | b u64
//
// op is put (len payload bytes for the heap at off), get (len bytes at off
// are asked for), atomic (aux = operation, width 4 or 8, a = operand,
// b = cond) or flush. Every operation has an id, growing in queue order.
// A put or get larger than the chunk size is sent as consecutive frames of
// at most that size with the same id; flags mark the final one, and on a
// put's final frame ask for an acknowledgement (blocking puts) and for a
// signal update after the data (aux = signal op, a = word offset,
// b = value). Frames carry at most 1 GiB.
//
// The server checks every offset and length against its heap size, for
// every frame. A put with a bad range has its payload read and dropped; the
// operation's first error is remembered until its final frame, which
// applies the signal only if all went well. Atomics and signals are real
// atomic instructions on the heap word (package signal), which then wakes
// this PE's waiters through the wake block. Unknown operations, oversized
// frames and the like close the connection.
//
// # Answers
//
// An answer frame is a 40-byte header, then the payload:
//
//	status u8 | flags u8 | 0 u16 | code i32 | id u64 | off u64 | len u64 | value u64
//
// Status 0 is success: a get piece carries len bytes of the heap at off, an
// atomic's answer the word's previous value in value. Status 1 is an error
// with its errcode in code and its message as payload. Answered are: every
// get frame, every atomic and flush, the final frame of a blocking put, and
// the final frame of any put that failed. A successful NBI put or signal is
// not answered at all.
//
// # Completion
//
// Answers come in id order, because both sides keep the order. So an answer
// for id x means every operation before x is complete, and a final answer
// that every operation up to x is. Each peer tracks the id of its latest NBI
// operation and the id below which all are complete; Quiet sends a flush to
// each peer where NBI operations may be outstanding and waits for the
// answers. By then every failure of those operations has been read and
// recorded, so Quiet returns the first one. Fence waits for nothing: one
// connection per peer and in-order application already order every
// operation to a PE after the earlier ones, which is also why a signal is
// seen only after the data of every earlier put to that PE.
//
// # Local memory
//
// A put's source is checked readable (one load per page, faults turned into
// panics) before any of it is queued: a fault in the middle of a frame would
// leave the stream out of step. A get's destination is written by the
// reader goroutine; a fault there (or EFAULT from a read straight into it)
// becomes errcode.InvalidParam for that get, and the rest of its data is read
// and dropped, so the connection stays usable. A source freed before its NBI
// put was sent can only be detected mid-frame; the connection to that PE is
// then given up.
//
// # Failures
//
// When a connection drops, every operation waiting on it and every later one
// to that PE fails at once with errcode.BootstrapError naming the PE; NBI
// operations it lost are reported by the next Quiet. TCP keepalive (as the
// rendezvous sets it) turns a host that vanished without a word into a
// dropped connection after about 11 s. Close completes the
// outstanding NBI operations (at most 10 s for a peer that neither answers
// nor drops), closes the listener and every connection, and returns once
// every goroutine of the engine has ended; calls blocked on a peer then
// return errcode.NotInited.
package netengine
