package engine

import (
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// wordSignal is a Signal resolved to the word's address here and the wake
// block of its segment, checked before any byte of its put moves.
type wordSignal struct {
	word  uintptr
	wake  uintptr
	op    int
	value int32
}

// resolveSignal checks sig and finds its word in PE pe's heap as mapped here.
func (h *heapMap) resolveSignal(pe int, sig transport.Signal) (wordSignal, error) {
	if err := sig.Check(pe, h.table.HeapSize()); err != nil {
		return wordSignal{}, err
	}
	word, err := h.table.Addr(pe, sig.Off, 4)
	if err != nil {
		return wordSignal{}, err
	}
	return wordSignal{word: word, wake: h.table.Wake(pe), op: sig.Op, value: sig.Value}, nil
}

func (s *wordSignal) apply() error { return signal.Update32(s.word, s.wake, s.op, s.value) }

// applySignal applies sig when there is one.
func applySignal(sig *wordSignal) error {
	if sig == nil {
		return nil
	}
	return sig.apply()
}
