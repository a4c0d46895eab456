package bootstrap

import (
	"sync"
	"testing"
)

// benchCollective runs b.N rounds of op on every session at once; ns/op is
// the time of one round as every rank sees it.
func benchCollective(b *testing.B, size int, op func(s *Session) error) {
	sessions := joinAll(b, size, nil)
	defer closeAll(b, sessions)
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Go(func() {
			for range b.N {
				if err := op(s); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkBarrier4(b *testing.B) {
	benchCollective(b, 4, func(s *Session) error { return s.Barrier("world", nil) })
}

func BenchmarkAllgather4x64B(b *testing.B) {
	data := make([]byte, 64)
	benchCollective(b, 4, func(s *Session) error {
		_, err := s.Allgather("world", nil, data)
		return err
	})
}
