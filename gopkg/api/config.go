package api

import (
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
)

// The aclshmemx_set_*_config calls: each engine's staging size ub_size acts
// as the piece size in which that engine splits large transfers. offset and
// sync_id name device resources (a UB offset, a hardware event) that a host
// has no counterpart of; they are checked and kept only by the facade.

// SetMteConfig is aclshmemx_set_mte_config: as mte_set_ub_params, ub_size
// becomes the piece size of every engine that splits transfers (the copy
// engine and the network engine).
func SetMteConfig(offset, ubSize, syncID int64) (code int) {
	defer recoverCode(&code)
	if ubSize <= 0 || offset < 0 || syncID < 0 {
		return errcode.InvalidValue
	}
	return SetUbParams(offset, ubSize, syncID)
}

// SetSdmaConfig is aclshmemx_set_sdma_config: ub_size becomes the chunk size
// of the copy engine (SDMA) only.
func SetSdmaConfig(offset, ubSize, syncID int64) (code int) {
	defer recoverCode(&code)
	return setPieceSize(offset, ubSize, syncID, (*job.Job).SetLocalChunkSize)
}

// SetRdmaConfig is aclshmemx_set_rdma_config: ub_size becomes the frame size
// in which the network engine (ROCE here) sends large transfers. A job with
// no PE behind the network keeps it, as Ascend keeps an RDMA configuration
// whether or not RDMA carries anything (EngineChunk(1) reports it).
func SetRdmaConfig(offset, ubSize, syncID int64) (code int) {
	defer recoverCode(&code)
	return setPieceSize(offset, ubSize, syncID, (*job.Job).SetNetChunkSize)
}

// setPieceSize checks a config call's arguments and gives ub_size to the
// running job's engine through set.
func setPieceSize(offset, ubSize, syncID int64, set func(*job.Job, uintptr) error) int {
	if ubSize <= 0 || offset < 0 || syncID < 0 {
		return errcode.InvalidValue
	}
	j := current.Load()
	if j == nil {
		return errcode.NotInited
	}
	return errcode.CodeOf(set(j, uintptr(ubSize)))
}

// SetUdmaConfig is aclshmemx_set_udma_config. UDMA runs on the copy engine
// here (OpEngineType.UDMA selects it, as SDMA does), so ub_size becomes the
// copy engine's chunk size, as SetSdmaConfig gives it.
func SetUdmaConfig(offset, ubSize, syncID int64) (code int) {
	defer recoverCode(&code)
	return setPieceSize(offset, ubSize, syncID, (*job.Job).SetLocalChunkSize)
}

// pendingLanes is the qp_num the next init of instance 0 gives the network
// engine; pendingQueues the one it gives the copy engine of a UDMA job (other
// instances keep theirs in their record).
var pendingLanes, pendingQueues atomic.Int64

// SetQpNum is aclshmemx_set_qp_num: how many queue pairs (1..32) an engine
// of the next init drives in parallel. ROCE (engine 4): the connections the
// network engine opens to each peer; blocking transfers of two chunks or
// more are split over all of them. UDMA (engine 8), which runs on the copy
// engine here: the copy engine's workers (queues), over which the chunks of
// one transfer are spread. MTE and SDMA have no queue pairs (InvalidValue).
// After init it changes nothing and says so (InvalidParam), as Ascend's
// value is frozen at init.
func SetQpNum(engineType, qpNum int64) (code int) {
	defer recoverCode(&code)
	switch {
	case engineType != job.EngineROCE && engineType != job.EngineUDMA:
		return errcode.InvalidValue
	case qpNum < 1 || qpNum > netengine.MaxLanes:
		return errcode.InvalidValue
	case current.Load() != nil:
		return errcode.InvalidParam
	}
	if engineType == job.EngineUDMA {
		cur.Load().queues.Store(qpNum)
	} else {
		cur.Load().lanes.Store(qpNum)
	}
	return errcode.Success
}

// EngineChunk reports the piece sizes in effect: which 0 is the same-host
// engine's, 1 the network engine's (0 without one); -1 before init.
func EngineChunk(which int) (n int64) {
	defer func() {
		if recover() != nil {
			n = -1
		}
	}()
	j := current.Load()
	if j == nil {
		return -1
	}
	if which == 1 {
		return int64(j.NetChunkSize())
	}
	return int64(j.LocalChunkSize())
}
