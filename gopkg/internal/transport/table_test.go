package transport

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireCode(t *testing.T, err error, code int, text string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, errcode.CodeOf(err), "error %q", err)
	require.Contains(t, err.Error(), text)
}

// One table answers every question about a PE: mapped or network, where,
// alive or not.
func TestTableSaysHowEachPEIsReached(t *testing.T) {
	live := liveness.New(3)
	bases := []uintptr{1 << 20, 0, 8 << 20}
	tb, err := NewTable(TableConfig{Bases: bases, Wakes: []uintptr{0x1000, 0, 0x3000}, HeapSize: 1 << 16, Live: live})
	require.NoError(t, err)
	bases[1] = 5 << 20 // the table kept its own copy
	assert.Equal(t, 3, tb.NPEs())
	assert.Equal(t, uintptr(1<<16), tb.HeapSize())
	assert.Same(t, live, tb.Live())
	assert.Equal(t, []bool{false, true, false}, tb.RemotePEs())
	assert.False(t, tb.AllMapped())
	for pe, want := range []bool{false, true, false} {
		assert.Equal(t, want, tb.Remote(pe), "PE %d", pe)
		assert.Equal(t, !want, tb.Mapped(pe), "PE %d", pe)
	}
	for _, pe := range []int{-1, 3} {
		assert.False(t, tb.Remote(pe))
		assert.False(t, tb.Mapped(pe))
		assert.Zero(t, tb.Base(pe))
		assert.Zero(t, tb.Wake(pe))
		requireCode(t, tb.Check(pe), errcode.InvalidParam, "does not exist")
	}
	assert.Equal(t, uintptr(8<<20), tb.Base(2))
	assert.Zero(t, tb.Base(1))
	assert.Equal(t, uintptr(0x3000), tb.Wake(2))

	addr, err := tb.Addr(2, 16, 8)
	require.NoError(t, err)
	assert.Equal(t, uintptr(8<<20+16), addr)
	_, err = tb.Addr(1, 0, 8)
	requireCode(t, err, errcode.NotSupported, "not load/store reachable")
	_, err = tb.Addr(3, 0, 8)
	requireCode(t, err, errcode.InvalidParam, "does not exist")
	for _, c := range []struct{ off, n uintptr }{{1<<16 - 4, 8}, {1 << 16, 1}, {0, 1<<16 + 1}, {^uintptr(0), 2}} {
		_, err = tb.Addr(0, c.off, c.n)
		requireCode(t, err, errcode.InvalidParam, "outside PE 0's symmetric heap")
	}

	assert.True(t, tb.Contains(1<<20, 1<<16))
	assert.True(t, tb.Contains(8<<20+100, 8))
	assert.False(t, tb.Contains(1<<20+1<<16-4, 8), "straddles the end of a heap")
	assert.False(t, tb.Contains(5<<20, 8), "PE 1 is not mapped")

	assert.Equal(t, -1, tb.Lost())
	require.NoError(t, tb.Check(2))
	live.MarkDead(2)
	assert.Equal(t, 2, tb.Lost())
	requireCode(t, tb.Check(2), errcode.BootstrapError, "PE 2")
	_, err = tb.Addr(2, 0, 8)
	requireCode(t, err, errcode.BootstrapError, "PE 2")
	assert.True(t, tb.Mapped(2), "a dead PE stays mapped: its calls fail on liveness, not reachability")
}

func TestTableWithoutLivenessOrWakes(t *testing.T) {
	tb, err := NewTable(TableConfig{Bases: []uintptr{1 << 20, 2 << 20}, HeapSize: 4096})
	require.NoError(t, err)
	assert.True(t, tb.AllMapped())
	assert.Equal(t, -1, tb.Lost())
	require.NoError(t, tb.Check(1))
	assert.Zero(t, tb.Wake(1))
	tb.Woken(1) // no wake block: nothing to do, nothing to crash
	tb.Woken(7)
}

func TestNewTableRefusesWhatCannotBeAHeap(t *testing.T) {
	for _, c := range []struct {
		cfg  TableConfig
		text string
	}{
		{TableConfig{HeapSize: 1}, "no PEs"},
		{TableConfig{Bases: []uintptr{1 << 20}}, "heap size of 0"},
		{TableConfig{Bases: []uintptr{8}, HeapSize: 1}, "PE 0's heap at 0x8"},
		{TableConfig{Bases: []uintptr{0, ^uintptr(0) - 10}, HeapSize: 100}, "PE 1's heap"},
		{TableConfig{Bases: []uintptr{1 << 20, 2 << 20}, Wakes: []uintptr{1}, HeapSize: 100}, "1 wake blocks for 2 PEs"},
	} {
		_, err := NewTable(c.cfg)
		requireCode(t, err, errcode.InvalidParam, c.text)
	}
}
