package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewTableHoldsWorld(t *testing.T) {
	for n := 1; n <= 8; n++ {
		for pe := 0; pe < n; pe++ {
			tab := NewTable(n, pe)
			assert.Equal(t, pe, tab.MyPE(World))
			assert.Equal(t, n, tab.NPes(World))
			w, ok := tab.Get(World)
			require.True(t, ok)
			assert.Equal(t, World, w.ID)
			assert.Equal(t, Invalid, w.Parent)
			assert.Equal(t, Config{}, w.Config)
			require.Len(t, w.Members, n)
			for i, m := range w.Members {
				assert.Equal(t, i, m)
			}
		}
	}
}

func TestGetReturnsACopy(t *testing.T) {
	tab := NewTable(3, 1)
	w, ok := tab.Get(World)
	require.True(t, ok)
	w.Members[0] = 99
	w.MyRank = 7
	again, _ := tab.Get(World)
	assert.Equal(t, []int{0, 1, 2}, again.Members)
	assert.Equal(t, 1, again.MyRank)
	assert.Equal(t, 0, tab.Translate(World, 0, World))
}

func TestQueriesOnInvalidTeams(t *testing.T) {
	tab := NewTable(4, 2)
	for _, id := range []int{Invalid, 1, 5, -7} {
		assert.Equal(t, -1, tab.MyPE(id), "team %d", id)
		assert.Equal(t, -1, tab.NPes(id), "team %d", id)
		_, ok := tab.Get(id)
		assert.False(t, ok, "team %d", id)
	}
}

func TestNewTableWithBadNumbersHoldsNothing(t *testing.T) {
	for _, c := range []struct{ size, rank int }{{0, 0}, {-1, 0}, {4, 4}, {4, -1}} {
		tab := NewTable(c.size, c.rank)
		assert.Equal(t, -1, tab.MyPE(World))
		assert.Equal(t, -1, tab.NPes(World))
		id, err := tab.SplitStrided(nil, World, 0, 1, 1, Config{})
		assert.Equal(t, Invalid, id)
		assertCode(t, -1, err)
	}
}
