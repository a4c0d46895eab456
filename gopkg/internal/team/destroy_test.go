package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDestroyRefusesWorldAndUnknownTeams(t *testing.T) {
	tab := NewTable(4, 1)
	for _, id := range []int{World, Invalid, 1, 99, -5} {
		assertCode(t, -1, tab.Destroy(id), "team %d", id)
	}
	assert.Equal(t, 4, tab.NPes(World), "WORLD survives")
}

func TestDestroyedTeamIsUnknown(t *testing.T) {
	j := newJob(4)
	ids, errs := j.splitAll(t, World, 0, 1, 3)
	parent := checkSplit(t, j, ids, errs, []int{0, 1, 2}, World)
	child := make([]int, 4)
	j.runOn(t, []int{0, 1, 2}, func(pe int, tab *Table, ex Exchanger) {
		var err error
		child[pe], err = tab.SplitStrided(ex, parent, 1, 1, 2, Config{}) // world 1 2
		assert.NoError(t, err)
	})

	tab := j.tables[1]
	require.NoError(t, tab.Destroy(parent))
	assert.Equal(t, -1, tab.MyPE(parent))
	assert.Equal(t, -1, tab.NPes(parent))
	_, ok := tab.Get(parent)
	assert.False(t, ok)
	assert.Equal(t, -1, tab.Translate(parent, 0, World))
	assert.Equal(t, -1, tab.Translate(World, 1, parent))
	assertCode(t, -1, tab.Destroy(parent), "twice")

	// a split of the destroyed team is refused locally, before any exchange
	before := j.hub.calls(1)
	id, err := tab.SplitStrided(j.exs[1], parent, 0, 1, 1, Config{})
	assert.Equal(t, Invalid, id)
	assertCode(t, -1, err)
	_, _, err = tab.Split2D(j.exs[1], parent, 1, Config{}, Config{})
	assertCode(t, -1, err)
	assert.Equal(t, before, j.hub.calls(1))

	// the child outlives its parent and keeps working
	assert.Equal(t, 0, tab.MyPE(child[1]))
	assert.Equal(t, parent, mustGet(t, tab, child[1]).Parent)
	assert.Equal(t, 2, tab.Translate(child[1], 1, World))
	// other PEs still hold the parent: destroy is local
	assert.Equal(t, 3, j.tables[0].NPes(parent))
	require.NoError(t, tab.Destroy(child[1]))
	assert.Equal(t, -1, tab.MyPE(child[1]))
	assert.Equal(t, 1, tab.MyPE(World))
}
