package api

import (
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// ubOffset and ubEvent keep what mte_set_ub_params was given, for UbParam.
var ubOffset, ubEvent atomic.Int64

// SetUbParams is mte_set_ub_params: size is the chunk size in which the copy
// engine splits large transfers. Before init the values are kept for init
// and NotInited is returned, as the Ascend library does.
func SetUbParams(offset, size, event int64) (code int) {
	defer recoverCode(&code)
	if size <= 0 || offset < 0 || event < 0 {
		return errcode.InvalidValue
	}
	ubOffset.Store(offset)
	ubEvent.Store(event)
	cur.Load().chunk.Store(size)
	j := current.Load()
	if j == nil {
		return errcode.NotInited
	}
	if err := j.SetChunkSize(uintptr(size)); err != nil {
		return errcode.CodeOf(err)
	}
	return errcode.Success
}

// FftsConfig is get_ffts_config: 0 before init, else the address of this
// PE's synchronisation block, stable until finalize.
func FftsConfig() (h int64) {
	defer func() {
		if recover() != nil {
			h = 0
		}
	}()
	if j := current.Load(); j != nil {
		return int64(j.SyncHandle())
	}
	return 0
}

// UbParam reports the staging settings: which 0 is the offset and 2 the event
// last given to mte_set_ub_params, 1 the chunk size in effect (the running
// engine's, else the one init will use).
func UbParam(which int) (v int64) {
	defer func() {
		if recover() != nil {
			v = -1
		}
	}()
	switch which {
	case 0:
		return ubOffset.Load()
	case 2:
		return ubEvent.Load()
	case 1:
		if j := current.Load(); j != nil {
			return int64(j.ChunkSize())
		}
		if n := cur.Load().chunk.Load(); n > 0 {
			return n
		}
		return int64(engine.DefaultChunkSize)
	}
	return -1
}
