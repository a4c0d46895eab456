package api

import (
	"encoding/json"

	"github.com/pyshmem/shmem/gopkg/internal/collective"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/p2p"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/team"
)

// sharedConstants are the values the Python facade writes as literals (they
// document the API there) and the runtime defines here. Built from the Go
// constants themselves, so tests/test_shared_constants.py catches either
// side drifting. Names are "<group>.<name>", the group being the Go package
// (or concept) the value comes from.
var sharedConstants = map[string]int64{
	"errcode.Success":        errcode.Success,
	"errcode.InvalidParam":   errcode.InvalidParam,
	"errcode.InvalidValue":   errcode.InvalidValue,
	"errcode.SmemError":      errcode.SmemError,
	"errcode.InnerError":     errcode.InnerError,
	"errcode.NotInited":      errcode.NotInited,
	"errcode.BootstrapError": errcode.BootstrapError,
	"errcode.TimeoutError":   errcode.TimeoutError,
	"errcode.MallocFailed":   errcode.MallocFailed,
	"errcode.NotSupported":   errcode.NotSupported,
	"errcode.Interrupted":    errcode.Interrupted,

	"amo.Fetch":       signal.AmoFetch,
	"amo.Set":         signal.AmoSet,
	"amo.Swap":        signal.AmoSwap,
	"amo.CompareSwap": signal.AmoCompareSwap,
	"amo.FetchAdd":    signal.AmoFetchAdd,
	"amo.Add":         signal.AmoAdd,

	"signal.Set": signal.SigSet,
	"signal.Add": signal.SigAdd,
	"cmp.EQ":     signal.CmpEQ,
	"cmp.NE":     signal.CmpNE,
	"cmp.GT":     signal.CmpGT,
	"cmp.GE":     signal.CmpGE,
	"cmp.LT":     signal.CmpLT,
	"cmp.LE":     signal.CmpLE,

	"dtype.int8":    int64(collective.Int8),
	"dtype.int16":   int64(collective.Int16),
	"dtype.int32":   int64(collective.Int32),
	"dtype.int64":   int64(collective.Int64),
	"dtype.uint8":   int64(collective.Uint8),
	"dtype.uint16":  int64(collective.Uint16),
	"dtype.uint32":  int64(collective.Uint32),
	"dtype.uint64":  int64(collective.Uint64),
	"dtype.float32": int64(collective.Float32),
	"dtype.float64": int64(collective.Float64),
	"op.sum":        int64(collective.Sum),
	"op.prod":       int64(collective.Prod),
	"op.min":        int64(collective.Min),
	"op.max":        int64(collective.Max),
	"op.and":        int64(collective.And),
	"op.or":         int64(collective.Or),
	"op.xor":        int64(collective.Xor),

	"engine.MTE":  job.EngineMTE,
	"engine.SDMA": job.EngineSDMA,
	"engine.ROCE": job.EngineROCE,
	"engine.UDMA": job.EngineUDMA,

	"status.NotInitialized": StatusNotInitialized,
	"status.ShmCreated":     StatusShmCreated,
	"status.Initialized":    StatusInitialized,

	"mem.HostSide":   heap.HostSide,
	"mem.DeviceSide": heap.DeviceSide,

	"team.World":   team.World,
	"team.Invalid": team.Invalid,

	"p2p.Test":          p2p.Test,
	"p2p.TestAll":       p2p.TestAll,
	"p2p.TestAny":       p2p.TestAny,
	"p2p.TestSome":      p2p.TestSome,
	"p2p.WaitUntil":     p2p.WaitUntil,
	"p2p.WaitUntilAll":  p2p.WaitUntilAll,
	"p2p.WaitUntilAny":  p2p.WaitUntilAny,
	"p2p.WaitUntilSome": p2p.WaitUntilSome,
	"p2p.int8":          p2p.Int8,
	"p2p.int16":         p2p.Int16,
	"p2p.int32":         p2p.Int32,
	"p2p.int64":         p2p.Int64,
	"p2p.uint8":         p2p.Uint8,
	"p2p.uint16":        p2p.Uint16,
	"p2p.uint32":        p2p.Uint32,
	"p2p.uint64":        p2p.Uint64,
	"p2p.float32":       p2p.Float32,

	"prof.Rows":    prof.MaxKinds,
	"prof.Columns": prof.MaxPeers,

	"instance.Max":   MaxInstances,
	"uniqueid.Size":  uniqueIDSize,
	"ipport.MinPort": minPort,
	"ipport.MaxPort": maxPort,
	"version.Major":  VersionMajor,
	"version.Minor":  VersionMinor,
}

// SharedConstants returns, as a JSON object of name -> value, every constant
// whose value the Python facade also writes (see sharedConstants).
func SharedConstants() (_ string, err error) {
	defer recoverInto(&err)
	b, err := json.Marshal(sharedConstants)
	if err != nil {
		return "", errcode.Wrap(errcode.InnerError, err, "shared constants")
	}
	return string(b), nil
}
