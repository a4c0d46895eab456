package netengine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

// The network engine is a transport.Transport like the same-host engines: the
// job's router hands it the calls for the PEs its table marks remote.
var _ transport.Transport = (*Engine)(nil)
