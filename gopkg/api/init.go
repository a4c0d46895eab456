package api

import (
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
)

// pendingChunk holds mte_set_ub_params' size given before init, for init.
var pendingChunk atomic.Int64

// Init is shmem_init with everything the facade resolved from attributes and
// the environment: ipPort ("" when there is none), engine, timeouts in seconds.
func Init(mype, npes int, memSize int64, ipPort string, engine, initTimeout, createTimeout, opTimeout int) (_ int, err error) {
	defer recoverInto(&err)
	// TLS (issue 6): may call the Python decrypt handler, so before taking any lock.
	tlsConf, err := loadTLS()
	if err != nil {
		return 0, err
	}
	lifecycle.Lock()
	defer lifecycle.Unlock()
	if current.Load() != nil {
		return 0, errcode.New(errcode.InvalidParam, "shmem is already initialised: call shmem_finialize first")
	}
	if memSize <= 0 {
		return 0, errcode.New(errcode.InvalidValue, "mem_size %d must be positive", memSize)
	}
	hostPort := ""
	if ipPort != "" {
		if hostPort, err = ParseIPPort(ipPort); err != nil {
			return 0, err
		}
	}
	ident := takeJobIdentity()
	hostMem, err := hostMemSize(memSize) // memory types (issue 10)
	if err != nil {
		return 0, err
	}
	opts := job.Options{
		Rank: mype, Size: npes, MemSize: uintptr(memSize), Addr: hostPort, Engine: engine,
		InitTimeout: seconds(initTimeout), CreateTimeout: seconds(createTimeout), OpTimeout: seconds(opTimeout),
		ChunkSize: uintptr(pendingChunk.Load()), TLS: tlsConf, Log: sinkLogger(),
		JobID: ident.id, JobKey: ident.key, LocalDiscovery: ident.localDiscovery,
		HostMemSize: hostMem, NetLanes: int(pendingLanes.Load()), UdmaQueues: int(pendingQueues.Load()),
	}
	j, err := job.Start(opts, func() { status.Store(StatusShmCreated) }, nil)
	if err != nil {
		status.Store(StatusNotInitialized)
		return 0, err
	}
	startProf(mype, npes) // profiling (issue 10), before the job is visible to calls
	current.Store(j)
	status.Store(StatusInitialized)
	return 0, nil
}

func seconds(s int) time.Duration { return time.Duration(s) * time.Second }

// Finalize is shmem_finialize: collective; releases everything and returns
// the library to NOT_INITIALIZED. A no-op before init. The error is that of a
// transfer that could not complete; the returned warning says that the final
// meeting with the other PEs failed (one died), which loses no data.
func Finalize() (warning string, err error) {
	defer recoverInto(&err)
	lifecycle.Lock()
	defer lifecycle.Unlock()
	j := current.Swap(nil)
	if j == nil {
		return "", nil
	}
	defer status.Store(StatusNotInitialized)
	queued := shutdownStreams() // host streams (issue 10): their operations still use the job
	transfers, meeting := j.Finalize(sinkLogger())
	if transfers == nil {
		transfers = queued
	}
	if meeting != nil {
		warning = meeting.Error()
	}
	return warning, transfers
}

// InitStatus is shmem_init_status.
func InitStatus() int { return int(status.Load()) }

// GlobalExit is shmem_global_exit: every PE exits with status, this one too.
// Before init only this process exits.
func GlobalExit(status int) {
	defer func() { _ = recover() }()
	if j := current.Load(); j != nil {
		j.GlobalExit(status)
	}
	exitProcess(status)
}
