package engine

import "github.com/pyshmem/shmem/gopkg/internal/signal"

// Signal is the update of a 32-bit signal word that follows a put. It is a
// plain value, not a closure, so a put-with-signal allocates nothing.
type Signal struct {
	Word  uintptr // the signal word's address in this process (0 when it is not mapped here)
	Off   uintptr // the word's offset in the target PE's heap, for transports that reach it remotely
	Wake  uintptr // the wake block of the segment holding it
	Op    int     // signal.SigSet or signal.SigAdd
	Value int32
}

func (s *Signal) apply() error { return signal.Update32(s.Word, s.Wake, s.Op, s.Value) }

// applySignal applies sig when there is one.
func applySignal(sig *Signal) error {
	if sig == nil {
		return nil
	}
	return sig.apply()
}
