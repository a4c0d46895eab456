package netengine

// Operations of Engine.Atomic. The values are those of the job layer's
// Amo* constants, so that it can pass its operation through.
const (
	AtomicFetch       = 0 // returns the word
	AtomicSet         = 1 // stores operand
	AtomicSwap        = 2 // stores operand, returns the previous value
	AtomicCompareSwap = 3 // stores operand if the word equals cond, returns the previous value
	AtomicFetchAdd    = 4 // adds operand, returns the previous value
	AtomicAdd         = 5 // adds operand
)

func validAtomicOp(op int) bool { return op >= AtomicFetch && op <= AtomicAdd }
