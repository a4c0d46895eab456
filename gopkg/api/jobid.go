package api

import (
	"sync"

	"github.com/pyshmem/shmem/gopkg/internal/bootstrap"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// jobIdentity is what the facade read from the launcher for the next Init.
type jobIdentity struct {
	id             string
	key            []byte
	localDiscovery bool
}

var (
	pendingJobMu sync.Mutex
	pendingJob   jobIdentity
)

// maxJobKeyLen bounds SHMEM_JOB_KEY: a key is a few dozen random bytes.
const maxJobKeyLen = 4096

// SetJobIdentity tells the next Init which job this process belongs to:
// identity names the job from its launcher ("slurm:12.0", "" when none),
// key is the secret every process of the job shares ("" when none: then the
// identity is the job's own name), and localDiscovery lets a job with no
// rendezvous address whose PEs all run on this host find each other. With a
// key and no identity the identity is the key's fingerprint.
func SetJobIdentity(identity, key string, localDiscovery bool) (_ int, err error) {
	defer recoverInto(&err)
	if len(identity) > 1024 || len(key) > maxJobKeyLen {
		return 0, errcode.New(errcode.InvalidValue, "job identity (%d bytes) or key (%d bytes) too long", len(identity), len(key))
	}
	j := jobIdentity{id: identity, localDiscovery: localDiscovery}
	if key != "" {
		j.key = []byte(key)
		if identity == "" {
			j.id = bootstrap.KeyIdentity(j.key)
		}
	}
	pendingJobMu.Lock()
	pendingJob = j
	pendingJobMu.Unlock()
	return 0, nil
}

func takeJobIdentity() jobIdentity {
	pendingJobMu.Lock()
	defer pendingJobMu.Unlock()
	return pendingJob
}
