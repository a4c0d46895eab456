package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// PE 0 is in teams A and B, PE 1 only in B: B must still get one id.
func TestIDAgreementWhenPEsHoldDifferentTeams(t *testing.T) {
	j := newJob(3)
	ids, errs := j.splitAll(t, World, 0, 2, 2) // P = world {0, 2}
	p := checkSplit(t, j, ids, errs, []int{0, 2}, World)

	a := make([]int, 3)
	j.runOn(t, []int{0, 2}, func(pe int, tab *Table, ex Exchanger) {
		var err error
		a[pe], err = tab.SplitStrided(ex, p, 0, 1, 1, Config{}) // A = world {0}
		assert.NoError(t, err)
	})
	require.Equal(t, Invalid, a[2])
	require.Equal(t, firstSplitID, j.tables[1].nextID, "PE 1 is in neither P nor A")

	ids, errs = j.splitAll(t, World, 0, 1, 2) // B = world {0, 1}
	b := checkSplit(t, j, ids, errs, []int{0, 1}, World)
	assert.NotEqual(t, a[0], b, "B must not take A's id on PE 0")
	assert.Equal(t, b, ids[1])
	assert.Equal(t, []int{0}, mustGet(t, j.tables[0], a[0]).Members, "A is untouched")
	for _, pe := range []int{0, 1} {
		assert.Equal(t, b+1, j.tables[pe].nextID, "PE %d reserved B's id", pe)
	}
	assert.Equal(t, p+1, j.tables[2].nextID, "PE 2, no member of B, reserved nothing")
}

func TestIDAgreementAcrossDisjointSubteams(t *testing.T) {
	j := newJob(4)
	xs := make([]int, 4)
	ys := make([]int, 4)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		var err error
		xs[pe], ys[pe], err = tab.Split2D(ex, World, 2, Config{}, Config{}) // rows {0,1} {2,3}; columns {0,2} {1,3}
		assert.NoError(t, err)
	})
	// only row {0,1} splits again: PEs 0 and 1 move on to a higher counter
	sub := make([]int, 4)
	j.runOn(t, []int{0, 1}, func(pe int, tab *Table, ex Exchanger) {
		var err error
		sub[pe], err = tab.SplitStrided(ex, xs[pe], 0, 1, 2, Config{})
		assert.NoError(t, err)
	})
	require.Greater(t, j.tables[0].nextID, j.tables[2].nextID)
	// column {0,2}: PE 0 proposes more than PE 2, both must land on PE 0's value
	col := make([]int, 4)
	j.runOn(t, []int{0, 2}, func(pe int, tab *Table, ex Exchanger) {
		var err error
		col[pe], err = tab.SplitStrided(ex, ys[pe], 0, 1, 2, Config{})
		assert.NoError(t, err)
	})
	assert.Equal(t, col[0], col[2])
	assert.NotEqual(t, sub[0], col[0])
	assert.Equal(t, []int{0, 2}, mustGet(t, j.tables[2], col[2]).Members)
	assert.Equal(t, []int{0, 1}, mustGet(t, j.tables[0], sub[0]).Members, "the earlier team survives")
}

// peersProposing scripts the other members of a two-PE WORLD: they echo the
// caller's request with their own id counter.
func peersProposing(t *testing.T, next *int64) Exchanger {
	return exchangeFunc(func(group string, members []int, data []byte) ([][]byte, error) {
		mine, err := decodeProposal(data)
		require.NoError(t, err)
		peer := mine
		peer.nextID = *next
		return [][]byte{data, encodeProposal(peer)}, nil
	})
}

func TestAgreedIDIsTheHighestProposal(t *testing.T) {
	tab := NewTable(2, 0)
	next := int64(7)
	ex := peersProposing(t, &next)

	id, err := tab.SplitStrided(ex, World, 0, 1, 2, Config{})
	require.NoError(t, err)
	assert.Equal(t, 7, id, "the peer's higher counter wins")

	next = 1
	id, err = tab.SplitStrided(ex, World, 0, 1, 1, Config{})
	require.NoError(t, err)
	assert.Equal(t, 8, id, "our own counter wins; 7 is taken here")

	// rows of one PE: the row needs no exchange (our counter, 9); the column {0, 1} takes the peer's 20
	next = 20
	x, y, err := tab.Split2D(ex, World, 1, Config{}, Config{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{9, 20}, [2]int{x, y})
	assert.Equal(t, 21, tab.nextID)
}

func TestIDsAreNotReusedAfterDestroy(t *testing.T) {
	j := newJob(2)
	ids, errs := j.splitAll(t, World, 0, 1, 2)
	first := checkSplit(t, j, ids, errs, []int{0, 1}, World)
	for _, tab := range j.tables {
		require.NoError(t, tab.Destroy(first))
	}
	ids, errs = j.splitAll(t, World, 0, 1, 2)
	second := checkSplit(t, j, ids, errs, []int{0, 1}, World)
	assert.Greater(t, second, first)
}

func TestSinglePEParentNeedsNoExchange(t *testing.T) {
	tab := NewTable(1, 0)
	id, err := tab.SplitStrided(nil, World, 0, 1, 1, Config{NumContexts: 3})
	require.NoError(t, err)
	assert.Equal(t, firstSplitID, id)
	x, y, err := tab.Split2D(nil, id, 4, Config{}, Config{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{2, 3}, [2]int{x, y})
	assert.Equal(t, 0, tab.Translate(y, 0, World))
}
