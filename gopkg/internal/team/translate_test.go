package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTranslateBetweenNestedTeamsAndWorld(t *testing.T) {
	j := newJob(8)
	ids, errs := j.splitAll(t, World, 1, 3, 3) // world 1 4 7
	outer := checkSplit(t, j, ids, errs, []int{1, 4, 7}, World)
	inner := make([]int, 8)
	j.runOn(t, []int{1, 4, 7}, func(pe int, tab *Table, ex Exchanger) {
		var err error
		inner[pe], err = tab.SplitStrided(ex, outer, 1, 1, 2, Config{}) // world 4 7
		assert.NoError(t, err)
	})
	tab := j.tables[4]
	in := inner[4]
	require.Equal(t, in, inner[7])

	assert.Equal(t, 4, tab.Translate(in, 0, World))
	assert.Equal(t, 7, tab.Translate(in, 1, World))
	assert.Equal(t, 1, tab.Translate(in, 0, outer))
	assert.Equal(t, 2, tab.Translate(in, 1, outer))
	assert.Equal(t, 0, tab.Translate(World, 4, in))
	assert.Equal(t, 1, tab.Translate(outer, 2, in))
	assert.Equal(t, 0, tab.Translate(outer, 0, outer), "same team")
	for pe := 0; pe < 8; pe++ {
		assert.Equal(t, pe, tab.Translate(World, pe, World))
	}

	// PE 1 is in outer but not in inner; PE 4 of WORLD is in neither of PE 1's view of inner
	assert.Equal(t, -1, tab.Translate(outer, 0, in), "world 1 is not in inner")
	assert.Equal(t, -1, tab.Translate(World, 0, outer), "world 0 is not in outer")
	assert.Equal(t, -1, j.tables[1].Translate(outer, 0, inner[4]), "PE 1 does not hold inner")
}

func TestTranslateRefusesBadArguments(t *testing.T) {
	j := newJob(4)
	ids, errs := j.splitAll(t, World, 0, 2, 2)
	team := checkSplit(t, j, ids, errs, []int{0, 2}, World)
	tab := j.tables[0]
	cases := []struct {
		name            string
		src, srcPE, dst int
	}{
		{"negative PE", World, -1, World},
		{"PE past the team", team, 2, World},
		{"PE past WORLD", World, 4, World},
		{"unknown source", 42, 0, World},
		{"invalid source", Invalid, 0, World},
		{"unknown destination", World, 0, 42},
		{"invalid destination", World, 0, Invalid},
		{"not a member of the destination", World, 1, team},
	}
	for _, c := range cases {
		assert.Equal(t, -1, tab.Translate(c.src, c.srcPE, c.dst), c.name)
	}
	assert.Equal(t, 1, tab.Translate(World, 2, team), "the valid neighbour of the cases above")
}
