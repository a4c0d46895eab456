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
// transfers. NotSupported when no PE is reached through the network.
func (j *Job) SetNetChunkSize(n uintptr) error {
	if j.net == nil {
		return errcode.New(errcode.NotSupported, "no PE of this job is reached through the network engine")
	}
	return j.net.SetChunkSize(n)
}

// NetChunkSize is the network engine's frame size, 0 without one.
func (j *Job) NetChunkSize() uintptr {
	if j.net == nil {
		return 0
	}
	return j.net.ChunkSize()
}

// UsesCopyEngine reports whether same-host transfers go through the copy
// engine (SDMA).
func (j *Job) UsesCopyEngine() bool { return j.opts.Engine == EngineSDMA }
