package netengine

import "github.com/pyshmem/shmem/gopkg/internal/signal"

// Operations of Engine.Atomic: the signal package's, which the target applies.
const (
	AtomicFetch       = signal.AmoFetch
	AtomicSet         = signal.AmoSet
	AtomicSwap        = signal.AmoSwap
	AtomicCompareSwap = signal.AmoCompareSwap
	AtomicFetchAdd    = signal.AmoFetchAdd
	AtomicAdd         = signal.AmoAdd
)

func validAtomicOp(op int) bool { return signal.ValidAmo(op) }
