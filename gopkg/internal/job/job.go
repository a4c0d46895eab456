package job

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/bootstrap"
	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
	"github.com/pyshmem/shmem/gopkg/internal/team"
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
	// allLocal: every PE is mapped here, so barriers can run in shared memory.
	allLocal bool

	allocMu sync.Mutex
	alloc   *heap.Allocator

	rma      engine.Transport
	net      *netengine.Engine // nil when every PE is mapped here
	secret   []byte
	teams    *team.Table
	teamSync teamState

	// lostPE is a PE the rendezvous saw die (-1: none), so that waits in
	// shared memory, which cannot see it, give up.
	lostPE atomic.Int64
	// netForLoss is the network engine once it runs, for peerLost, which the
	// rendezvous calls from its own goroutine; sessForExit is the session,
	// for exitOnNotice, likewise.
	netForLoss atomic.Pointer[netengine.Engine]
	// exiting is set once a global exit notice arrived: the process is about
	// to end with the requested status, and the PEs leaving meanwhile are no
	// failure to report (see Exiting).
	exiting     atomic.Bool
	sessForExit atomic.Pointer[bootstrap.Session]

	closeOnce sync.Once
}

// peerInfo is what every PE tells the others at init.
type peerInfo struct {
	Host    string
	Segment string
	MemSize uintptr
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
	j := &Job{opts: opts}
	j.lostPE.Store(-1)
	defer func() {
		if err != nil {
			j.teardown()
		}
	}()
	if j.seg, err = heap.Create(opts.MemSize); err != nil {
		return nil, errcode.Wrap(errcode.SmemError, err, "creating the symmetric heap")
	}
	if created != nil {
		created()
	}
	if opts.Addr == "" && opts.Size > 1 {
		return nil, errcode.New(errcode.BootstrapError,
			"no rendezvous address for %d PEs: set attributes with shmem_set_attributes, SHMEM_IP_PORT, "+
				"SHMEM_MASTER_ADDR/SHMEM_MASTER_PORT or MASTER_ADDR/MASTER_PORT", opts.Size)
	}
	addr := opts.Addr
	if opts.Size == 1 {
		// A job of one meets nobody: serve on an ephemeral loopback port
		// rather than claim an address another job may be using.
		addr = "127.0.0.1:0"
	}
	// Ctrl-C ends the wait for the other PEs (issue 12 item 9).
	joinCtx, stopJoin, interrupted := interrupt.Context(context.Background())
	defer stopJoin()
	j.sess, err = bootstrap.Join(joinCtx, bootstrap.Config{
		Addr: addr, Rank: opts.Rank, Size: opts.Size,
		JoinTimeout: opts.InitTimeout, OpTimeout: opts.OpTimeout,
		ServerTLS: opts.TLS.serverConfig(), ClientTLS: opts.TLS.clientConfig(), // TLS (issue 6)
		OnGlobalExit: func(status int) { j.exitOnNotice(status, onGlobalExit) },
		OnPeerLost:   j.peerLost,
	})
	if err != nil {
		if interrupted() {
			return nil, interrupt.Err()
		}
		return nil, errcode.Wrap(errcode.BootstrapError, err, "rendezvous at "+addr)
	}
	j.sessForExit.Store(j.sess)
	if err = j.mapPeers(); err != nil {
		return nil, err
	}
	j.alloc = heap.NewAllocator(j.seg.UserSize())
	if err = j.startEngine(); err != nil {
		return nil, err
	}
	j.teams = team.NewTable(opts.Size, opts.Rank)
	j.initWorldTeam()
	return j, nil
}

// mapPeers exchanges segment names and maps the segments of every PE on the
// same host, then unlinks this PE's segment once everybody has mapped it:
// from then on no crash can leave it behind in /dev/shm.
func (j *Job) mapPeers() error {
	me := peerInfo{Host: hostIdentity(), Segment: j.seg.Name, MemSize: j.opts.MemSize}
	if j.opts.Rank == 0 {
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
		if infos[pe].MemSize != j.opts.MemSize {
			return errcode.New(errcode.InvalidParam, "mem_size differs between PEs: PE %d asked for %d bytes, PE %d for %d",
				j.opts.Rank, j.opts.MemSize, pe, infos[pe].MemSize)
		}
	}
	j.allLocal = true
	for pe := range n {
		if pe == j.opts.Rank {
			j.userBases[pe], j.syncBases[pe] = j.seg.UserBase(), j.seg.Base
			continue
		}
		if infos[pe].Host != me.Host || j.opts.Engine == EngineROCE {
			j.allLocal = false
			continue
		}
		seg, err := heap.Attach(infos[pe].Segment)
		if err != nil {
			// Same identity but no access (another container, another
			// /dev/shm): the PE is remote after all.
			j.allLocal = false
			continue
		}
		j.peers[pe] = seg
		j.userBases[pe], j.syncBases[pe] = seg.UserBase(), seg.Base
	}
	j.secret = infos[0].Secret
	if err := j.sess.Barrier("init/mapped", nil); err != nil {
		return errcode.Wrap(errcode.BootstrapError, err, "waiting for every PE to map the heaps")
	}
	if err := j.seg.Unlink(); err != nil {
		return errcode.Wrap(errcode.SmemError, err, "unlinking the heap segment")
	}
	return nil
}

// startEngine starts the engine of the mapped PEs (MTE, or SDMA when asked
// for) and, when some PEs are not mapped here, the network engine and a
// router in front of both.
func (j *Job) startEngine() error {
	// The heaps are this process's own read/write mappings, pages reserved at
	// creation, kept until teardown: large copies need not probe them.
	wakes := make([]uintptr, j.opts.Size)
	for pe := range wakes {
		wakes[pe] = j.wakeBlock(pe)
	}
	cfg := engine.Config{Bases: j.userBases, Wakes: wakes, HeapSize: j.seg.UserSize(), ChunkSize: j.opts.ChunkSize, TrustHeaps: true}
	var local engine.Transport
	var err error
	if j.opts.Engine == EngineSDMA {
		local, err = engine.NewCopyEngine(cfg)
	} else {
		local, err = engine.NewDirect(cfg)
	}
	if err != nil {
		return err
	}
	j.rma = local
	if j.allLocal {
		return nil
	}
	remote := make([]bool, j.opts.Size)
	for pe, base := range j.userBases {
		remote[pe] = base == 0
	}
	if j.net, err = j.startNetwork(remote); err != nil {
		return err
	}
	j.rma = &router{local: local, net: j.net, remote: remote}
	return nil
}

// Finalize completes outstanding transfers, meets the other PEs and releases
// everything. It always releases local resources, even when other PEs are
// gone. transfers is the error of a transfer that could not complete (data
// lost); meeting is the error of the final meeting (a PE that died first).
func (j *Job) Finalize() (transfers, meeting error) {
	transfers = j.rma.Quiet()
	if err := j.sess.Barrier("finalize", nil); err != nil {
		meeting = errcode.Wrap(errcode.BootstrapError, err, "finalize barrier")
	}
	j.teardown()
	return transfers, meeting
}

// teardown releases whatever exists, in reverse order of creation.
func (j *Job) teardown() {
	j.closeOnce.Do(func() {
		if j.rma != nil {
			_ = j.rma.Close()
		}
		if j.sess != nil {
			_ = j.sess.Close()
		}
		for _, p := range j.peers {
			if p != nil {
				_ = p.Close()
			}
		}
		if j.seg != nil {
			_ = j.seg.Close()
		}
	})
}

// exitNow ends this process with status after releasing the heap segment;
// notify lets the caller flush what it must first.
func (j *Job) exitNow(status int, notify func(int)) {
	if notify != nil {
		notify(status)
	}
	if j.seg != nil {
		_ = j.seg.Unlink()
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
		_ = s.GlobalExit(status)
	}
	j.exitNow(status, notify)
}

// GlobalExit makes every PE of the job exit with status, this one last.
func (j *Job) GlobalExit(status int) {
	if err := j.sess.GlobalExit(status); err != nil {
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
