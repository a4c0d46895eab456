package p2p

import "github.com/pyshmem/shmem/gopkg/internal/signal"

// Comparison codes (SHMEM_CMP_EQ..SHMEM_CMP_LE): package signal's, which
// both the signal words and the variables of every width compare with.
const (
	CmpEQ = signal.CmpEQ
	CmpNE = signal.CmpNE
	CmpGT = signal.CmpGT
	CmpGE = signal.CmpGE
	CmpLT = signal.CmpLT
	CmpLE = signal.CmpLE
)
