package team

import (
	"fmt"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplit2DOfWorld(t *testing.T) {
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprint(n, "PEs"), func(t *testing.T) {
			j := newJob(n)
			for xRange := 1; xRange <= n+2; xRange++ {
				xs := make([]int, n)
				ys := make([]int, n)
				j.run(t, func(pe int, tab *Table, ex Exchanger) {
					var err error
					xs[pe], ys[pe], err = tab.Split2D(ex, World, xRange, Config{NumContexts: 1}, Config{NumContexts: 2})
					assert.NoError(t, err, "PE %d", pe)
				})
				cols := min(xRange, n) // the clamp
				for pe, tab := range j.tables {
					assert.Equal(t, xs[0], xs[pe], "x ids agree")
					assert.Equal(t, ys[0], ys[pe], "y ids agree")
					require.Equal(t, xs[pe]+1, ys[pe])
					row, col := pe/cols, pe%cols
					var wantRow, wantCol []int
					for r := 0; r < n; r++ {
						if r/cols == row {
							wantRow = append(wantRow, r)
						}
						if r%cols == col {
							wantCol = append(wantCol, r)
						}
					}
					x := mustGet(t, tab, xs[pe])
					y := mustGet(t, tab, ys[pe])
					assert.Equal(t, wantRow, x.Members, "PE %d x_range %d", pe, xRange)
					assert.Equal(t, wantCol, y.Members, "PE %d x_range %d", pe, xRange)
					assert.Equal(t, col, x.MyRank)
					assert.Equal(t, row, y.MyRank)
					assert.Equal(t, Config{NumContexts: 1}, x.Config)
					assert.Equal(t, Config{NumContexts: 2}, y.Config)
					assert.Equal(t, World, x.Parent)
					assert.Equal(t, World, y.Parent)
					require.NoError(t, tab.Destroy(xs[pe]))
					require.NoError(t, tab.Destroy(ys[pe]))
				}
			}
		})
	}
}

func TestSplit2DShortLastRow(t *testing.T) {
	j := newJob(7)
	xs := make([]int, 7)
	ys := make([]int, 7)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		var err error
		xs[pe], ys[pe], err = tab.Split2D(ex, World, 3, Config{}, Config{})
		assert.NoError(t, err)
	})
	assert.Equal(t, []int{6}, mustGet(t, j.tables[6], xs[6]).Members)
	assert.Equal(t, []int{0, 3, 6}, mustGet(t, j.tables[6], ys[6]).Members)
	assert.Equal(t, []int{2, 5}, mustGet(t, j.tables[5], ys[5]).Members)
	assert.Equal(t, []int{3, 4, 5}, mustGet(t, j.tables[4], xs[4]).Members)
}

func TestSplit2DOfASubteam(t *testing.T) {
	j := newJob(8)
	ids, errs := j.splitAll(t, World, 1, 2, 4) // world 1 3 5 7
	odd := checkSplit(t, j, ids, errs, []int{1, 3, 5, 7}, World)
	results := make([][2]int, 8)
	j.runOn(t, []int{1, 3, 5, 7}, func(pe int, tab *Table, ex Exchanger) {
		x, y, err := tab.Split2D(ex, odd, 2, Config{}, Config{})
		assert.NoError(t, err)
		results[pe] = [2]int{x, y}
	})
	x7, y7 := results[7][0], results[7][1]
	assert.Equal(t, []int{5, 7}, mustGet(t, j.tables[7], x7).Members)
	assert.Equal(t, []int{3, 7}, mustGet(t, j.tables[7], y7).Members)
	assert.Equal(t, odd, mustGet(t, j.tables[7], y7).Parent)
	assert.Equal(t, 1, j.tables[7].Translate(y7, 0, odd))
	assert.Equal(t, 7, j.tables[3].Translate(results[3][1], 1, World))
}

func TestSplit2DBadArguments(t *testing.T) {
	j := newJob(4)
	cases := []struct {
		name       string
		parent, xr int
		xCfg, yCfg Config
	}{
		{"zero x range", World, 0, Config{}, Config{}},
		{"negative x range", World, -2, Config{}, Config{}},
		{"unknown parent", 3, 2, Config{}, Config{}},
		{"bad x config", World, 2, Config{NumContexts: -1}, Config{}},
		{"bad y config", World, 2, Config{}, Config{NumContexts: -5}},
	}
	for _, c := range cases {
		j.run(t, func(pe int, tab *Table, ex Exchanger) {
			x, y, err := tab.Split2D(ex, c.parent, c.xr, c.xCfg, c.yCfg)
			assert.Equal(t, [2]int{Invalid, Invalid}, [2]int{x, y}, c.name)
			assertCode(t, -1, err, c.name)
		})
	}
	for pe := range 4 {
		assert.Zero(t, j.hub.calls(pe), "refused before any exchange")
		assert.Equal(t, firstSplitID, j.tables[pe].nextID)
	}
}

func TestSplit2DClampedRangesAgree(t *testing.T) {
	// 5 and 9 both clamp to the parent's 4: the same teams, so no mismatch
	j := newJob(4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		x, y, err := tab.Split2D(ex, World, 5+4*(pe%2), Config{}, Config{})
		assert.NoError(t, err)
		assert.Equal(t, 4, tab.NPes(x))
		assert.Equal(t, 1, tab.NPes(y))
	})
	// 2 and 3 differ: no row or column is described alike by all its members, so every PE fails (in the
	// exchange: each waits for partners who are in another group) and nobody keeps a team
	j.hub.timeout = 200 * time.Millisecond
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		x, y, err := tab.Split2D(ex, World, 2+pe%2, Config{}, Config{})
		assertCode(t, errcode.BootstrapError, err, "PE %d", pe)
		assert.Equal(t, [2]int{Invalid, Invalid}, [2]int{x, y})
	})
}

func TestGroupNamesDistinguishTeamsWithEqualIDs(t *testing.T) {
	// rows {0,1,2} and {3,4,5} share the x id; they split at the same time
	j := newJob(6)
	xs := make([]int, 6)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		var err error
		xs[pe], _, err = tab.Split2D(ex, World, 3, Config{}, Config{})
		assert.NoError(t, err)
	})
	require.Equal(t, xs[0], xs[3])
	subs := make([]int, 6)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		var err error
		subs[pe], err = tab.SplitStrided(ex, xs[pe], 1, 1, 2, Config{})
		assert.NoError(t, err)
	})
	assert.Empty(t, j.hub.reused, "a group name served two teams")
	assert.Equal(t, []int{1, 2}, mustGet(t, j.tables[1], subs[1]).Members)
	assert.Equal(t, []int{4, 5}, mustGet(t, j.tables[5], subs[5]).Members)
	assert.Equal(t, Invalid, subs[3])

	assert.Equal(t, "team/split/3+1x3", memberGroup([]int{3, 4, 5}))
	assert.Equal(t, "team/split/0,1,5", memberGroup([]int{0, 1, 5}))
}
