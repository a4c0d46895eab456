package api

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/prof"
)

// profTable holds this PE's profiling counters in the current instance
// while profiling is on, nil otherwise: a call pays one atomic load when it
// is off. Each instance has its own table (instance.go); this is the current
// one's.
var profTable atomic.Pointer[prof.Table]

// startProf is an instance's table at init: on when SHMEM_CYCLE_PROF_PE
// (Ascend's switch) names this PE of the instance, or is "all"; nil otherwise.
func startProf(rank, npes int) *prof.Table {
	v := strings.TrimSpace(os.Getenv("SHMEM_CYCLE_PROF_PE"))
	if v == "" {
		return nil
	}
	if v != "all" {
		pe, err := strconv.Atoi(v)
		if err != nil || pe < 0 || pe >= npes {
			pe = 0 // as Ascend: an unusable value profiles PE 0
		}
		if pe != rank {
			return nil
		}
	}
	return prof.New(rank, npes)
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
