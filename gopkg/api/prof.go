package api

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/prof"
)

// profTable holds this PE's profiling counters while profiling is on, nil
// otherwise: a call pays one atomic load when it is off.
var profTable atomic.Pointer[prof.Table]

// startProf turns profiling on at init when SHMEM_CYCLE_PROF_PE (Ascend's
// switch) names this PE, or is "all".
func startProf(rank, npes int) {
	v := strings.TrimSpace(os.Getenv("SHMEM_CYCLE_PROF_PE"))
	if v == "" {
		profTable.Store(nil)
		return
	}
	if v != "all" {
		pe, err := strconv.Atoi(v)
		if err != nil || pe < 0 || pe >= npes {
			pe = 0 // as Ascend: an unusable value profiles PE 0
		}
		if pe != rank {
			profTable.Store(nil)
			return
		}
	}
	profTable.Store(prof.New(rank, npes))
}

// ProfSnapshot is aclshmemx_get_prof's data: "" when this PE does not
// profile, else the table as prof.Table.Snapshot writes it.
func ProfSnapshot() (s string, err error) {
	defer recoverInto(&err)
	if t := profTable.Load(); t != nil {
		return t.Snapshot(), nil
	}
	return "", nil
}

// ProfKinds names the operation kinds (rows), one per line.
func ProfKinds() string { return strings.Join(prof.KindNames[:], "\n") }

// profStart returns the table and the start time of a profiled call.
func profStart() (*prof.Table, time.Time) {
	t := profTable.Load()
	if t == nil {
		return nil, time.Time{}
	}
	return t, time.Now()
}
