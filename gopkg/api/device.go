package api

import "github.com/pyshmem/shmem/gopkg/errcode"

// ubParams keeps what mte_set_ub_params was given, for reporting.
var ubOffset, ubEvent int64

// SetUbParams is mte_set_ub_params: size is the chunk size in which the copy
// engine splits large transfers. Before init the values are kept for init
// and NotInited is returned, as the Ascend library does.
func SetUbParams(offset, size, event int64) (code int) {
	defer recoverCode(&code)
	if size <= 0 || offset < 0 || event < 0 {
		return errcode.InvalidValue
	}
	ubOffset, ubEvent = offset, event
	pendingChunk.Store(size)
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
