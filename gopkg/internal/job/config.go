package job

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// SetLocalChunkSize sets the piece size of the same-host engine only (the
// copy engine splits large transfers in pieces of it; the MTE engine copies
// in one go and only keeps the value).
func (j *Job) SetLocalChunkSize(n uintptr) error {
	if r, ok := j.rma.(*transport.Router); ok {
		return r.Local().SetChunkSize(n)
	}
	return j.rma.SetChunkSize(n)
}

// LocalChunkSize is the same-host engine's piece size.
func (j *Job) LocalChunkSize() uintptr {
	if r, ok := j.rma.(*transport.Router); ok {
		return r.Local().ChunkSize()
	}
	return j.rma.ChunkSize()
}

// SetNetChunkSize sets the frame size in which the network engine sends large
// transfers. A job whose PEs are all mapped here has no network engine: as
// Ascend keeps an RDMA configuration whether or not RDMA carries anything,
// the size is kept (and reported by NetChunkSize), moving nothing.
func (j *Job) SetNetChunkSize(n uintptr) error {
	if j.net == nil {
		if n == 0 {
			return errcode.New(errcode.InvalidValue, "a frame size of 0 bytes")
		}
		j.netChunk.Store(n)
		return nil
	}
	return j.net.SetChunkSize(n)
}

// NetChunkSize is the network engine's frame size; without one, what
// SetNetChunkSize kept (0: never set).
func (j *Job) NetChunkSize() uintptr {
	if j.net == nil {
		return j.netChunk.Load()
	}
	return j.net.ChunkSize()
}

// UsesCopyEngine reports whether same-host transfers go through the copy
// engine (SDMA, or UDMA, which runs on it).
func (j *Job) UsesCopyEngine() bool {
	return j.opts.Engine == EngineSDMA || j.opts.Engine == EngineUDMA
}
