package job

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// Engine values, as OpEngineType in the API.
const (
	EngineMTE  = 1
	EngineSDMA = 2
	EngineROCE = 4
)

// Options are what shmem_init and its attributes decide.
type Options struct {
	Rank, Size    int
	MemSize       uintptr
	HostMemSize   uintptr // the HOST_SIDE heap's size; 0: none
	NetLanes      int     // connections to each network peer (aclshmemx_set_qp_num); 0: one
	Addr          string  // "host:port" of the rendezvous; may be empty only when Size == 1
	Engine        int
	InitTimeout   time.Duration
	CreateTimeout time.Duration
	OpTimeout     time.Duration
	ChunkSize     uintptr // 0: the engine's default
	TLS           *TLS    // TLS (issue 6): mutual TLS for the rendezvous and data connections; nil: plain TCP
}

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
	case o.Engine != EngineMTE && o.Engine != EngineSDMA && o.Engine != EngineROCE:
		return errcode.New(errcode.InvalidValue, "data_op_engine_type %d is not MTE(1), SDMA(2) or ROCE(4)", o.Engine)
	}
	for _, t := range []*time.Duration{&o.InitTimeout, &o.CreateTimeout, &o.OpTimeout} {
		if *t <= 0 {
			*t = defaultTimeout
		}
	}
	return nil
}
