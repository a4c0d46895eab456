package team

import (
	"fmt"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSplit verifies every PE's view of a split that selected want (world
// ranks) out of a job, with the id every member must share.
func checkSplit(t *testing.T, j *job, ids []int, errs []error, want []int, parent int) int {
	t.Helper()
	id := Invalid
	for pe, tab := range j.tables {
		require.NoError(t, errs[pe], "PE %d", pe)
		rank := indexOf(want, pe)
		if rank < 0 {
			assert.Equal(t, Invalid, ids[pe], "PE %d is no member", pe)
			continue
		}
		if id == Invalid {
			id = ids[pe]
		}
		require.Equal(t, id, ids[pe], "PE %d: ids differ between members", pe)
		team, ok := tab.Get(id)
		require.True(t, ok, "PE %d", pe)
		assert.Equal(t, want, team.Members, "PE %d", pe)
		assert.Equal(t, rank, team.MyRank, "PE %d", pe)
		assert.Equal(t, rank, tab.MyPE(id), "PE %d", pe)
		assert.Equal(t, len(want), tab.NPes(id), "PE %d", pe)
		assert.Equal(t, parent, team.Parent, "PE %d", pe)
	}
	require.NotEqual(t, Invalid, id, "nobody joined")
	return id
}

func TestSplitStridedOfWorld(t *testing.T) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprint(n, "PEs"), func(t *testing.T) {
			j := newJob(n)
			world := j.tables[0].teams[World].team.Members
			for start := 0; start < n; start++ {
				for stride := 1; stride <= n; stride++ {
					maxSize := (n-1-start)/stride + 1
					for _, size := range []int{1, (maxSize + 1) / 2, maxSize} {
						ids, errs := j.splitAll(t, World, start, stride, size)
						want := stridedWorldRanks(world, start, stride, size)
						id := checkSplit(t, j, ids, errs, want, World)
						require.GreaterOrEqual(t, id, firstSplitID)
						for _, pe := range want {
							require.NoError(t, j.tables[pe].Destroy(id))
						}
					}
				}
			}
		})
	}
}

func TestSplitStridedKeepsConfig(t *testing.T) {
	j := newJob(3)
	ids := make([]int, 3)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		var err error
		ids[pe], err = tab.SplitStrided(ex, World, 0, 1, 3, Config{NumContexts: pe + 2})
		assert.NoError(t, err)
	})
	for pe, tab := range j.tables {
		team, ok := tab.Get(ids[pe])
		require.True(t, ok)
		assert.Equal(t, Config{NumContexts: pe + 2}, team.Config, "config is per PE, not agreed")
	}
}

func TestNestedSplits(t *testing.T) {
	j := newJob(8)
	// evens of WORLD: world 0 2 4 6
	ids, errs := j.splitAll(t, World, 0, 2, 4)
	evens := checkSplit(t, j, ids, errs, []int{0, 2, 4, 6}, World)

	// ranks 1 and 3 of evens: world 2 and 6; only evens take part
	inner := make([]int, 8)
	for i := range inner {
		inner[i] = Invalid
	}
	innerErrs := make([]error, 8)
	j.runOn(t, []int{0, 2, 4, 6}, func(pe int, tab *Table, ex Exchanger) {
		inner[pe], innerErrs[pe] = tab.SplitStrided(ex, evens, 1, 2, 2, Config{})
	})
	id := checkSplit(t, j, inner, innerErrs, []int{2, 6}, evens)
	assert.NotEqual(t, evens, id)

	// a split of the split of the split: rank 1 of {2, 6} is world 6
	var last int
	var lastErr [8]error
	j.runOn(t, []int{2, 6}, func(pe int, tab *Table, ex Exchanger) {
		got, err := tab.SplitStrided(ex, id, 1, 5, 1, Config{})
		lastErr[pe] = err
		if pe == 6 {
			last = got
		} else {
			assert.Equal(t, Invalid, got)
		}
	})
	require.NoError(t, lastErr[2])
	require.NoError(t, lastErr[6])
	assert.Equal(t, []int{6}, mustGet(t, j.tables[6], last).Members)
	assert.Equal(t, 0, j.tables[6].MyPE(last))
	assert.Equal(t, 6, j.tables[6].Translate(last, 0, World))
	assert.Equal(t, 1, j.tables[6].Translate(last, 0, id))
	assert.Equal(t, 3, j.tables[6].Translate(last, 0, evens))

	// non-members of the parent cannot take part
	before := j.hub.calls(1)
	_, err := j.tables[1].SplitStrided(j.exs[1], evens, 0, 1, 1, Config{})
	assertCode(t, -1, err)
	assert.Equal(t, before, j.hub.calls(1), "PE 1 did not exchange")
}

func mustGet(t *testing.T, tab *Table, id int) *Team {
	t.Helper()
	team, ok := tab.Get(id)
	require.True(t, ok, "team %d", id)
	return team
}

func TestSplitStridedBadArguments(t *testing.T) {
	const n = 5
	cases := []struct {
		name                        string
		parent, start, stride, size int
		cfg                         Config
	}{
		{"unknown parent", 9, 0, 1, 1, Config{}},
		{"invalid parent", Invalid, 0, 1, 1, Config{}},
		{"size zero", World, 0, 1, 0, Config{}},
		{"size negative", World, 0, 1, -3, Config{}},
		{"start negative", World, -1, 1, 2, Config{}},
		{"start past the end", World, n, 1, 1, Config{}},
		{"stride zero", World, 0, 0, 2, Config{}},
		{"stride negative", World, 4, -1, 2, Config{}},
		{"last rank past the end", World, 1, 2, 3, Config{}},
		{"size larger than parent", World, 0, 1, n + 1, Config{}},
		{"overflowing stride", World, 1, int(^uint(0) >> 1), 3, Config{}},
		{"overflowing size", World, 0, 2, int(^uint(0) >> 1), Config{}},
		{"negative contexts", World, 0, 1, 2, Config{NumContexts: -1}},
	}
	j := newJob(n)
	for _, c := range cases {
		j.run(t, func(pe int, tab *Table, ex Exchanger) {
			id, err := tab.SplitStrided(ex, c.parent, c.start, c.stride, c.size, c.cfg)
			assert.Equal(t, Invalid, id, c.name)
			assertCode(t, -1, err, c.name)
		})
	}
	for pe := range n {
		assert.Zero(t, j.hub.calls(pe), "bad arguments are refused before any exchange")
	}
	ids, errs := j.splitAll(t, World, 0, 1, n)
	assert.Equal(t, firstSplitID, checkSplit(t, j, ids, errs, []int{0, 1, 2, 3, 4}, World),
		"refused splits reserve no id")
}

func TestSplitStridedIgnoresStrideOfOnePE(t *testing.T) {
	j := newJob(4)
	// members disagree on a stride that plays no part: the split still succeeds
	ids := make([]int, 4)
	errs := make([]error, 4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		ids[pe], errs[pe] = tab.SplitStrided(ex, World, 3, -pe, 1, Config{})
	})
	checkSplit(t, j, ids, errs, []int{3}, World)
}

// Ascend computes splits locally: PEs may pass different arguments. Only the
// members of each new team must describe it alike.
func TestSplitStridedDifferentArgumentsPerPE(t *testing.T) {
	j := newJob(4)
	// every PE splits off a team of itself
	solo := make([]int, 4)
	errs := make([]error, 4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		solo[pe], errs[pe] = tab.SplitStrided(ex, World, pe, 1, 1, Config{})
	})
	for pe, tab := range j.tables {
		require.NoError(t, errs[pe])
		assert.Equal(t, []int{pe}, mustGet(t, tab, solo[pe]).Members)
		assert.Zero(t, j.hub.calls(pe), "a team of one PE needs no exchange")
	}
	// at the same time, PEs 0 and 1 make {0, 1} while PEs 2 and 3 make {2, 3}: different arguments per PE
	pair := make([]int, 4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		pair[pe], errs[pe] = tab.SplitStrided(ex, World, pe/2*2, 1, 2, Config{})
	})
	for pe, tab := range j.tables {
		require.NoError(t, errs[pe])
		assert.Equal(t, pair[pe/2*2], pair[pe], "members agree on the id")
		assert.Equal(t, []int{pe / 2 * 2, pe/2*2 + 1}, mustGet(t, tab, pair[pe]).Members)
		assert.NotEqual(t, solo[pe], pair[pe])
	}
}

func TestSplitStridedArgumentMismatch(t *testing.T) {
	j := newJob(4)
	j.hub.timeout = 200 * time.Millisecond
	// PE 2 names {1, 2}, but PE 1 takes part in {0, 1}: PEs 0 and 1 agree, PE 2 gets an error, PE 3 is no member
	ids := make([]int, 4)
	errs := make([]error, 4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		start := 0
		if pe == 2 {
			start = 1
		}
		ids[pe], errs[pe] = tab.SplitStrided(ex, World, start, 1, 2, Config{})
	})
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, []int{0, 1}, mustGet(t, j.tables[1], ids[1]).Members)
	assertCode(t, errcode.BootstrapError, errs[2], "PE 2 waited for a partner who made another team")
	assert.Equal(t, Invalid, ids[2])
	assert.NoError(t, errs[3])
	assert.Equal(t, Invalid, ids[3])
	assert.Equal(t, firstSplitID, j.tables[2].nextID, "a failed agreement reserves nothing")
}

func TestSplitMixedKindsFailTogether(t *testing.T) {
	j := newJob(4)
	j.hub.timeout = 200 * time.Millisecond
	// one PE calls split_2d while the others call split_strided
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		if pe == 3 {
			x, y, err := tab.Split2D(ex, World, 2, Config{}, Config{})
			assert.Equal(t, [2]int{Invalid, Invalid}, [2]int{x, y})
			assertCode(t, errcode.BootstrapError, err)
			return
		}
		_, err := tab.SplitStrided(ex, World, 0, 1, 4, Config{})
		assertCode(t, errcode.BootstrapError, err, "PE %d", pe)
	})
	for pe, tab := range j.tables {
		assert.Equal(t, firstSplitID, tab.nextID, "PE %d: a failed agreement reserves nothing", pe)
	}
	// the group stays in step: the next agreed split works
	ids, errs := j.splitAll(t, World, 1, 1, 3)
	checkSplit(t, j, ids, errs, []int{1, 2, 3}, World)
}
