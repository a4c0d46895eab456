package liveness

import (
	"sync"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarkDeadIsPerPEAndOnce(t *testing.T) {
	s := New(3)
	for pe := range 3 {
		assert.False(t, s.Dead(pe))
		assert.NoError(t, s.Check(pe))
	}
	assert.True(t, s.MarkDead(1))
	assert.False(t, s.MarkDead(1), "a second report of the same death is not the first")
	assert.False(t, s.Dead(0))
	assert.False(t, s.Dead(2))
	require.True(t, s.Dead(1))
	err := s.Check(1)
	assert.Equal(t, errcode.BootstrapError, errcode.CodeOf(err))
	assert.Contains(t, err.Error(), "PE 1")
}

func TestOutOfRangeAndNil(t *testing.T) {
	s := New(2)
	assert.False(t, s.MarkDead(-1))
	assert.False(t, s.MarkDead(2))
	assert.False(t, s.Dead(-1))
	assert.False(t, s.Dead(2))
	var none *Set
	assert.False(t, none.MarkDead(0))
	assert.False(t, none.Dead(0))
	assert.NoError(t, none.Check(0))
}

func TestConcurrentMarkAndRead(t *testing.T) {
	s := New(64)
	var wg sync.WaitGroup
	firsts := make([]int, 64)
	var mu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pe := range 64 {
				_ = s.Dead(pe)
				if s.MarkDead(pe) {
					mu.Lock()
					firsts[pe]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for pe, n := range firsts {
		assert.Equal(t, 1, n, "PE %d", pe)
		assert.True(t, s.Dead(pe))
	}
}

func BenchmarkDead(b *testing.B) {
	s := New(8)
	for b.Loop() {
		if s.Dead(3) {
			b.Fatal("alive PE reported dead")
		}
	}
}

func TestFirstIsTheFirstDeath(t *testing.T) {
	s := New(4)
	assert.Equal(t, -1, s.First())
	s.MarkDead(2)
	s.MarkDead(1)
	assert.Equal(t, 2, s.First())
	assert.Equal(t, -1, (*Set)(nil).First())
}
