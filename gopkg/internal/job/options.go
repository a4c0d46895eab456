package job

import (
	"crypto/tls"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/tlsconf"
)

// Engine values, as OpEngineType in the API.
const (
	EngineMTE  = 1
	EngineSDMA = 2
	EngineROCE = 4
	// EngineUDMA is Ascend's unified-bus DMA. No host here has such a
	// device; the copy engine (SDMA) stands in for it: asynchronous copies by
	// a worker, which is what UDMA offers a program.
	EngineUDMA = 8
)

// Options are what shmem_init and its attributes decide.
type Options struct {
	Rank, Size    int
	MemSize       uintptr
	HostMemSize   uintptr // the HOST_SIDE heap's size; 0: none
	NetLanes      int     // connections to each network peer (aclshmemx_set_qp_num); 0: one
	UdmaQueues    int     // copy-engine workers of a UDMA job (aclshmemx_set_qp_num); 0: the default
	Addr          string  // "host:port" of the rendezvous; may be empty only when Size == 1
	Engine        int
	InitTimeout   time.Duration
	CreateTimeout time.Duration
	OpTimeout     time.Duration
	ChunkSize     uintptr // 0: the engine's default
	TLS           *TLS    // TLS (issue 6): mutual TLS for the rendezvous and data connections; nil: plain TCP
	// Log receives the start-up and shut-down lines (level LogDebug or
	// LogInfo), from the goroutine that called Start or Finalize only; nil:
	// none. The facade passes them to the "shmem" logger.
	Log func(level int, msg string)

	JobID  string // the job's identity from its launcher ("" none): PEs of other jobs are refused
	JobKey []byte // the job's shared secret (nil none): PEs that do not know it are refused
	// LocalDiscovery: with no Addr, the PEs (all on this host) find rank 0
	// on their own, through an abstract unix socket named from JobID.
	LocalDiscovery bool
}

// TLS is the mutual-TLS configuration of both planes, built by package
// tlsconf (the caller converts: (*job.TLS)(conf)); nil means plain TCP. Start
// only hands its two halves to the rendezvous and the network engine.
type TLS tlsconf.Config

func (t *TLS) serverConfig() *tls.Config { return (*tlsconf.Config)(t).Server() }
func (t *TLS) clientConfig() *tls.Config { return (*tlsconf.Config)(t).Client() }

const defaultTimeout = 120 * time.Second

func (o *Options) validate() error {
	switch {
	case o.Rank < 0:
		return errcode.New(errcode.InvalidValue, "mype %d is negative", o.Rank)
	case o.Size <= 0:
		return errcode.New(errcode.InvalidValue, "npes %d must be positive", o.Size)
	case o.MemSize == 0:
		return errcode.New(errcode.InvalidValue, "mem_size must be positive")
	case o.Rank >= o.Size:
		return errcode.New(errcode.InvalidParam, "mype %d is not below npes %d", o.Rank, o.Size)
	case o.LocalDiscovery && o.JobID == "" && o.Addr == "" && o.Size > 1:
		return errcode.New(errcode.InvalidParam, "finding the other PEs without an address needs a job identity from the launcher")
	case o.Engine != EngineMTE && o.Engine != EngineSDMA && o.Engine != EngineROCE && o.Engine != EngineUDMA:
		return errcode.New(errcode.InvalidValue, "data_op_engine_type %d is not MTE(1), SDMA(2), ROCE(4) or UDMA(8)", o.Engine)
	}
	for _, t := range []*time.Duration{&o.InitTimeout, &o.CreateTimeout, &o.OpTimeout} {
		if *t <= 0 {
			*t = defaultTimeout
		}
	}
	return nil
}
