package job

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/bootstrap"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/symalloc"
	"github.com/pyshmem/shmem/gopkg/internal/teamsync"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// Job is one initialised job. Its methods are safe for concurrent use.
type Job struct {
	opts Options
	sess *bootstrap.Session
	seg  *heap.Segment

	// peers[pe] is PE pe's segment mapped here, nil for this PE itself and for
	// PEs that are not load/store reachable.
	peers []*heap.Segment
	// userBases[pe] / syncBases[pe]: where PE pe's user heap and sync area are
	// mapped in this process; 0 when it is not reachable.
	userBases []uintptr
	syncBases []uintptr

	regions heap.Regions
	heaps   *symalloc.Heaps // malloc and free, agreed between the PEs

	// reach says how each PE is reached (mapped here or network) and
	// whether it is alive; rma routes every call by it.
	reach  *transport.Table
	rma    transport.Transport
	net    *netengine.Engine // nil when every PE is mapped here
	secret []byte
	teams  *teamsync.Teams // the teams of this PE and their barriers

	// netChunk is the frame size set_rdma_config gave a job without a
	// network engine: kept for the configuration's readers (NetChunkSize).
	netChunk atomic.Uintptr

	// lostPE is a PE the rendezvous saw die (-1: none), so that waits in
	// shared memory, which cannot see it, give up.
	lostPE atomic.Int64
	// live marks every PE the rendezvous saw die: the data paths (engines,
	// atomics, Ptr) refuse them rather than use the memory they left mapped.
	live *liveness.Set
	// netForLoss is the network engine once it runs, for peerLost, which the
	// rendezvous calls from its own goroutine; sessForExit is the session,
	// for exitOnNotice, likewise.
	netForLoss atomic.Pointer[netengine.Engine]
	// exiting is set once a global exit notice arrived: the process is about
	// to end with the requested status, and the PEs leaving meanwhile are no
	// failure to report (see Exiting).
	exiting     atomic.Bool
	sessForExit atomic.Pointer[bootstrap.Session]

	// info is filled during Start and read-only afterwards (Info).
	info Info

	closeOnce sync.Once
}

// peerInfo is what every PE tells the others at init.
type peerInfo struct {
	Host    string // hostIdentity
	Name    string // os.Hostname, for diagnostics
	Segment heap.Handle
	MemSize uintptr
	HostMem uintptr
	Secret  []byte // rank 0 only: the job secret every data connection must prove
}

// Start initialises a job: heap, rendezvous, peer mapping, engine, teams.
// created is called once the heap exists and before the rendezvous, so the
// caller can report SHM_CREATED while PEs are still meeting. On error every
// step already taken is undone.
func Start(opts Options, created func(), onGlobalExit func(status int)) (_ *Job, err error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	j := &Job{opts: opts, live: liveness.New(opts.Size)}
	j.lostPE.Store(-1)
	tr := newTrace(opts.Log)
	defer func() {
		if err != nil {
			tr.logf(LogDebug, "init: failed after %.1f ms, undoing what was done: %v", tr.total(), err)
			j.teardown(false)
		}
	}()
	j.info = Info{Rank: opts.Rank, Size: opts.Size, Hostname: osHostname(), HostID: hostIdentity(),
		MemSize: opts.MemSize, Engine: engineName(opts.Engine)}
	tr.logf(LogDebug, "init: PE %d of %d, mem_size %d, engine %s, host %s (identity %s), timeouts init %s create %s op %s",
		opts.Rank, opts.Size, opts.MemSize, j.info.Engine, j.info.Hostname, j.info.HostID,
		opts.InitTimeout, opts.CreateTimeout, opts.OpTimeout)
	if j.regions, err = heap.NewRegions(opts.MemSize, opts.HostMemSize); err != nil {
		return nil, err
	}
	if j.seg, err = heap.Create(j.regions.Total()); err != nil {
		return nil, errcode.Wrap(errcode.SmemError, err, "creating the symmetric heap")
	}
	j.info.HeapUserBytes = j.seg.UserSize()
	tr.done("heap", "segment %v, %d bytes (%d for the user)", j.seg.Handle, j.seg.Size, j.seg.UserSize())
	if created != nil {
		created()
	}
	if opts.Addr == "" && opts.Size > 1 && !opts.LocalDiscovery {
		return nil, errcode.New(errcode.BootstrapError,
			"no rendezvous address for %d PEs: set attributes with shmem_set_attributes, SHMEM_IP_PORT, "+
				"SHMEM_MASTER_ADDR/SHMEM_MASTER_PORT or MASTER_ADDR/MASTER_PORT (an mpirun or srun job whose PEs all "+
				"run on one host needs none)", opts.Size)
	}
	addr := opts.Addr
	if opts.Size == 1 || (addr == "" && opts.LocalDiscovery) {
		// A job of one meets nobody: serve on an ephemeral loopback port
		// rather than claim an address another job may be using.
		addr = "127.0.0.1:0"
	}
	role := "joining"
	if opts.Rank == 0 {
		role = "serving"
	}
	tr.logf(LogDebug, "init: %s the rendezvous at %s, waiting up to %s for %d PEs", role, addr, opts.InitTimeout, opts.Size)
	// Ctrl-C ends the wait for the other PEs (issue 12 item 9).
	joinCtx, stopJoin, interrupted := interrupt.Context(context.Background())
	defer stopJoin()
	j.sess, err = bootstrap.Join(joinCtx, bootstrap.Config{
		Addr: addr, Rank: opts.Rank, Size: opts.Size,
		JoinTimeout: opts.InitTimeout, OpTimeout: opts.OpTimeout,
		ServerTLS: opts.TLS.serverConfig(), ClientTLS: opts.TLS.clientConfig(), // TLS (issue 6)
		JobID: opts.JobID, JobKey: opts.JobKey, Beacon: opts.Size > 1 && opts.Addr == "" && opts.LocalDiscovery,
		OnGlobalExit: func(status int) { j.exitOnNotice(status, onGlobalExit) },
		OnPeerLost:   j.peerLost,
	})
	if err != nil {
		if interrupted() {
			return nil, interrupt.Err()
		}
		return nil, errcode.Wrap(errcode.BootstrapError, err, "rendezvous at "+addr)
	}
	j.info.Rendezvous, j.info.LocalAddr = addr, j.sess.LocalHost()
	tr.done("rendezvous", "met %d PEs at %s (this end %s, TLS %v)", opts.Size, addr, j.info.LocalAddr, opts.TLS != nil)
	j.sessForExit.Store(j.sess)
	if err = j.mapPeers(tr); err != nil {
		return nil, err
	}
	j.heaps = symalloc.New(j.sess, opts.Rank, j.seg.UserBase(), j.regions, j.BarrierAll)
	if err = j.startEngine(tr); err != nil {
		return nil, err
	}
	j.teams = j.newTeams()
	signal.SetSpin(j.FastPath().Spin)
	j.info.Steps, j.info.InitMillis = tr.steps, tr.total()
	tr.logf(LogInfo, "%s", j.info.Summary())
	return j, nil
}

// mapPeers exchanges segment handles and maps the segments of every PE on
// the same host, then releases this PE's handle once everybody has mapped it:
// from then on no other process can attach it. (No crash at any point leaves
// anything behind: segments have no name, see package heap.)
func (j *Job) mapPeers(tr *startTrace) error {
	me := peerInfo{Host: hostIdentity(), Name: osHostname(), Segment: j.seg.Handle, MemSize: j.opts.MemSize,
		HostMem: j.opts.HostMemSize}
	// With a job key every PE derives the data secret, so it never travels;
	// without one rank 0 makes one and hands it to the PEs that joined.
	derived := j.sess.DataSecret()
	if j.opts.Rank == 0 && derived == nil {
		me.Secret = newSecret()
	}
	blob, _ := json.Marshal(me)
	all, err := j.sess.Allgather("init/peers", nil, blob)
	if err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "exchanging heap segments")
	}
	n := j.opts.Size
	j.peers = make([]*heap.Segment, n)
	j.userBases = make([]uintptr, n)
	j.syncBases = make([]uintptr, n)
	infos := make([]peerInfo, n)
	for pe, b := range all {
		if err := json.Unmarshal(b, &infos[pe]); err != nil {
			return errcode.New(errcode.BootstrapError, "PE %d sent an unreadable segment description", pe)
		}
		if infos[pe].MemSize != j.opts.MemSize || infos[pe].HostMem != j.opts.HostMemSize {
			return errcode.New(errcode.InvalidParam, "heap sizes differ between PEs: PE %d asked for %d+%d bytes, PE %d for %d+%d",
				j.opts.Rank, j.opts.MemSize, j.opts.HostMemSize, pe, infos[pe].MemSize, infos[pe].HostMem)
		}
	}
	tr.done("exchange", "learnt every PE's host and heap segment")
	j.info.Peers = make([]PeerInfo, n)
	local := engineName(j.opts.Engine)
	for pe := range n {
		p := &j.info.Peers[pe]
		p.PE, p.Host = pe, infos[pe].Name
		if pe == j.opts.Rank {
			p.Engine, p.Reason = PathSelf, "this PE"
			j.userBases[pe], j.syncBases[pe] = j.seg.UserBase(), j.seg.Base
			continue
		}
		p.Engine = PathNetwork
		if infos[pe].Host != me.Host || j.opts.Engine == EngineROCE {
			p.Reason = "another host (identity " + infos[pe].Host + ")"
			if j.opts.Engine == EngineROCE {
				p.Reason = "ROCE requested"
			}
			continue
		}
		seg, err := heap.Attach(infos[pe].Segment)
		if err != nil {
			// Same identity but no access (another container or PID
			// namespace, another user, /proc hidden): the PE is remote
			// after all.
			p.Reason = "same host identity but its heap cannot be mapped: " + err.Error()
			continue
		}
		p.Engine, p.Reason = local, "same host: heap mapped here"
		j.peers[pe] = seg
		j.userBases[pe], j.syncBases[pe] = seg.UserBase(), seg.Base
	}
	for _, p := range j.info.Peers {
		if p.Engine != PathSelf {
			tr.logf(LogDebug, "init: PE %d on %s: %s (%s)", p.PE, p.Host, p.Engine, p.Reason)
		}
	}
	j.secret = infos[0].Secret
	if derived != nil {
		j.secret = derived
	}
	if err := j.sess.Barrier("init/mapped", nil); err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "waiting for every PE to map the heaps")
	}
	if err := j.seg.Release(); err != nil {
		return errcode.Wrap(errcode.SmemError, err, "releasing the heap segment's handle")
	}
	tr.done("map", "mapped the heaps of the PEs on this host; segment handle released")
	return nil
}

// Finalize completes outstanding transfers, meets the other PEs and releases
// everything. It always releases local resources, even when other PEs are
// gone. transfers is the error of a transfer that could not complete (data
// lost); meeting is the error of the final meeting (a PE that died first).
// log, like Options.Log, receives shut-down lines; nil: none.
func (j *Job) Finalize(log func(level int, msg string)) (transfers, meeting error) {
	tr := newTrace(log)
	transfers = j.rma.Quiet()
	tr.logf(LogDebug, "finalize: PE %d completed its transfers (%.1f ms): %s", j.opts.Rank, tr.total(), outcome(transfers))
	if err := j.sess.Barrier("finalize", nil); err != nil {
		meeting = errcode.Wrap(errcode.BootstrapError, err, "finalize barrier")
	}
	tr.logf(LogDebug, "finalize: PE %d met the others (%.1f ms): %s", j.opts.Rank, tr.total(), outcome(meeting))
	j.teardown(true)
	tr.logf(LogInfo, "PE %d of %d finalised in %.1f ms", j.opts.Rank, j.opts.Size, tr.total())
	return transfers, meeting
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func remotePEs(remote []bool) []int {
	var pes []int
	for pe, r := range remote {
		if r {
			pes = append(pes, pe)
		}
	}
	return pes
}

// teardown releases whatever exists, in reverse order of creation. With
// retire, the heaps' address ranges stay mapped to zero pages (see
// heap.Segment.Retire): after a successful init the user may hold views of
// them, which must not crash once the job is gone.
func (j *Job) teardown(retire bool) {
	j.closeOnce.Do(func() {
		j.live.Close() // first: the facade's own copies stop before any heap goes
		if j.rma != nil {
			_ = j.rma.Close()
		}
		if j.sess != nil {
			_ = j.sess.Close()
		}
		release := (*heap.Segment).Close
		if retire {
			release = (*heap.Segment).Retire
		}
		for _, p := range j.peers {
			if p != nil {
				_ = release(p)
			}
		}
		if j.seg != nil {
			_ = release(j.seg)
		}
	})
}

// exitNow ends this process with status (the heap goes with it: segments
// have no name); notify lets the caller flush what it must first.
func (j *Job) exitNow(status int, notify func(int)) {
	if notify != nil {
		notify(status)
	}
	os.Exit(status)
}

// exitOnNotice ends this PE because another called shmem_global_exit. Rank 0
// serves the rendezvous that carries the notice to everyone: were it to exit
// while the notices are still going out, the PEs not yet told would see it
// die instead and fail with an error. So it sends the notice once more itself,
// which returns when every PE has been told, and exits only then.
func (j *Job) exitOnNotice(status int, notify func(int)) {
	j.exiting.Store(true)
	if s := j.sessForExit.Load(); s != nil && j.opts.Rank == 0 {
		status, _ = s.GlobalExit(status)
	}
	j.exitNow(status, notify)
}

// GlobalExit makes every PE of the job exit with status, this one last.
// When several PEs call it at once, every PE ends with the first one's
// status, which the rendezvous decides.
func (j *Job) GlobalExit(status int) {
	status, err := j.sess.GlobalExit(status)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shmem: global exit could not reach every PE: %v\n", err)
	}
	j.exitNow(status, nil)
}

// Rank and Size of this PE in the world.
func (j *Job) Rank() int { return j.opts.Rank }
func (j *Job) Size() int { return j.opts.Size }

// Exiting reports whether this PE is ending because of a global exit. The
// PEs that exit first look lost to the calls still running here; those calls
// must not return that as an error (the caller would exit with another
// status before the runtime exits with the requested one).
func (j *Job) Exiting() bool { return j.exiting.Load() }

// ReleaseRetired unmaps the heap ranges finalize kept mapped for the views
// the user may still hold (see teardown); the caller knows none is left.
func ReleaseRetired() error { return heap.ReleaseRetired() }

// RetiredRanges is how many such ranges are mapped now.
func RetiredRanges() int { return heap.RetiredRanges() }
