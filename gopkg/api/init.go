package api

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
)

// pendingChunk holds mte_set_ub_params' size given before init, for init
// (instance 0's; other instances keep theirs in their record).
var pendingChunk atomic.Int64

// Init is shmem_init with everything the facade resolved from attributes and
// the environment: ipPort ("" when there is none), engine, timeouts in seconds.
// It initialises instance 0.
func Init(mype, npes int, memSize int64, ipPort string, engine, initTimeout, createTimeout, opTimeout int) (_ int, err error) {
	return InitInstance(0, mype, npes, memSize, ipPort, engine, initTimeout, createTimeout, opTimeout)
}

// InitInstance is Init of instance id (InitAttr.instance_id): a job of its
// own, which becomes the current instance once it runs. The instances a
// process already runs go on meanwhile. A new instance starts with the
// settings (mte_set_ub_params, qp_num) the current one keeps for its next
// init. An ipPort whose port is 0 asks for the port of instance id in
// SHMEM_INSTANCE_PORT_RANGE (Ascend's default mode).
func InitInstance(id, mype, npes int, memSize int64, ipPort string, engine, initTimeout, createTimeout, opTimeout int) (_ int, err error) {
	defer recoverInto(&err)
	if err := checkInstanceID(id); err != nil {
		return 0, err
	}
	// TLS (issue 6): may call the Python decrypt handler, so before taking any lock.
	tlsConf, err := loadTLS()
	if err != nil {
		return 0, err
	}
	lifecycle.Lock()
	defer lifecycle.Unlock()
	regMu.Lock()
	in, exists := instances[id]
	if !exists {
		in = newInstance(id)
		from := cur.Load()
		in.chunk.Store(from.chunk.Load())
		in.lanes.Store(from.lanes.Load())
		in.queues.Store(from.queues.Load())
	}
	regMu.Unlock()
	if in.j.Load() != nil {
		if id == 0 {
			return 0, errcode.New(errcode.InvalidParam, "shmem is already initialised: call shmem_finialize first")
		}
		return 0, errcode.New(errcode.InvalidParam, "instance %d is already initialised: finalize it first", id)
	}
	if memSize <= 0 {
		return 0, errcode.New(errcode.InvalidValue, "mem_size %d must be positive", memSize)
	}
	hostPort := ""
	if ipPort != "" {
		if ipPort, err = instanceIPPort(ipPort, id); err != nil {
			return 0, err
		}
		if hostPort, err = ParseIPPort(ipPort); err != nil {
			return 0, err
		}
	}
	ident := instanceIdentity(takeJobIdentity(), id)
	hostMem, err := hostMemSize(memSize) // memory types (issue 10)
	if err != nil {
		return 0, err
	}
	opts := job.Options{
		Rank: mype, Size: npes, MemSize: uintptr(memSize), Addr: hostPort, Engine: engine,
		InitTimeout: seconds(initTimeout), CreateTimeout: seconds(createTimeout), OpTimeout: seconds(opTimeout),
		ChunkSize: uintptr(in.chunk.Load()), TLS: tlsConf, Log: sinkLogger(),
		JobID: ident.id, JobKey: ident.key, LocalDiscovery: ident.localDiscovery,
		HostMemSize: hostMem, NetLanes: int(in.lanes.Load()), UdmaQueues: int(in.queues.Load()),
	}
	j, err := job.Start(opts, func() { in.status.Store(StatusShmCreated) }, tellOtherInstances)
	if err != nil {
		in.status.Store(StatusNotInitialized)
		return 0, err
	}
	regMu.Lock()
	in.j.Store(j)
	in.prof.Store(startProf(mype, npes)) // profiling (issue 10), before the job is visible to calls
	instances[id] = in
	activateLocked(in)
	regMu.Unlock()
	in.status.Store(StatusInitialized)
	return 0, nil
}

func seconds(s int) time.Duration { return time.Duration(s) * time.Second }

// Finalize is shmem_finialize: collective; releases everything of the
// current instance and returns it to NOT_INITIALIZED. A no-op before init.
// The error is that of a transfer that could not complete; the returned
// warning says that the final meeting with the other PEs failed (one died),
// which loses no data.
func Finalize() (warning string, err error) {
	return FinalizeInstance(cur.Load().id)
}

// FinalizeInstance is aclshmemx_finalize(instance_id): Finalize of instance
// id, collective among that instance's PEs; the other instances go on. When
// id is current, instance 0 becomes current; otherwise the current instance
// stays. An instance other than 0 ceases to exist. A no-op for instance 0
// when it is not initialised; InvalidParam for an id no init created.
func FinalizeInstance(id int) (warning string, err error) {
	defer recoverInto(&err)
	if err := checkInstanceID(id); err != nil {
		return "", err
	}
	lifecycle.Lock()
	defer lifecycle.Unlock()
	regMu.Lock()
	in, ok := instances[id]
	if !ok {
		regMu.Unlock()
		return "", errcode.New(errcode.InvalidParam, "instance %d does not exist", id)
	}
	j := in.j.Swap(nil)
	if j == nil {
		regMu.Unlock()
		return "", nil
	}
	if id != 0 {
		delete(instances, id)
	}
	if cur.Load() == in {
		next := in
		if id != 0 {
			next = instances[0]
		}
		activateLocked(next)
	}
	regMu.Unlock()
	defer in.status.Store(StatusNotInitialized)
	queued := shutdownStreams(in) // host streams (issue 10): their operations still use the job
	transfers, meeting := j.Finalize(sinkLogger())
	in.prof.Store(nil)
	if transfers == nil {
		transfers = queued
	}
	if meeting != nil {
		warning = meeting.Error()
	}
	return warning, transfers
}

// InitStatus is shmem_init_status of the current instance.
func InitStatus() int { return int(cur.Load().status.Load()) }

// GlobalExit is shmem_global_exit: every PE exits with status, this one too:
// the PEs of every instance this process runs. The current instance's
// rendezvous decides the status when several PEs call it at once. Before
// init only this process exits.
func GlobalExit(status int) {
	defer func() { _ = recover() }()
	exitingAny.Store(true)
	jobs := liveJobs()
	if len(jobs) > 0 {
		var err error
		if status, err = jobs[0].TellGlobalExit(status); err != nil {
			fmt.Fprintf(os.Stderr, "shmem: global exit could not reach every PE: %v\n", err)
		}
		tellJobs(jobs[1:], status)
	}
	exitProcess(status)
}

// tellOtherInstances is every job's global exit notice hook: the PEs that
// share another instance with this process, and not the one the notice came
// from, must hear of the exit too before this process ends.
func tellOtherInstances(status int) {
	exitingAny.Store(true)
	tellJobs(liveJobs(), status)
}

// tellJobs passes a global exit to the PEs of every job in jobs at once
// (each within its rendezvous' delivery bound). A job that is exiting
// already heard of it.
func tellJobs(jobs []*job.Job, status int) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		if j.Exiting() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := j.TellGlobalExit(status); err != nil {
				fmt.Fprintf(os.Stderr, "shmem: global exit could not reach every PE of an instance: %v\n", err)
			}
		}()
	}
	wg.Wait()
}
