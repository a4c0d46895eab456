package team

import (
	"errors"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertUnchanged checks that a failed split left the table as it was.
func assertUnchanged(t *testing.T, tab *Table, nextID int, msg string) {
	t.Helper()
	assert.Equal(t, nextID, tab.nextID, msg)
	tab.mu.RLock()
	defer tab.mu.RUnlock()
	assert.Len(t, tab.teams, 1, msg)
}

// rows scripts an exchanger that answers with fixed rows.
func rows(out ...[]byte) Exchanger {
	return exchangeFunc(func(string, []int, []byte) ([][]byte, error) { return out, nil })
}

func TestSplitFailsWhenTheExchangeFails(t *testing.T) {
	valid := encodeProposal(proposal{request: request{kind: kindStrided, a: 0, b: 1, c: 2}, nextID: 1})
	zeroID := encodeProposal(proposal{request: request{kind: kindStrided, a: 0, b: 1, c: 2}, nextID: 0})
	other := encodeProposal(proposal{request: request{kind: kindStrided, a: 1, b: 1, c: 1}, nextID: 1})
	cases := []struct {
		name string
		ex   Exchanger
		code int
	}{
		{"no exchanger", nil, errcode.InnerError},
		{"timeout keeps its code", exchangeFunc(func(string, []int, []byte) ([][]byte, error) {
			return nil, errcode.New(errcode.TimeoutError, "peer 1 late")
		}), errcode.TimeoutError},
		{"uncoded failure", exchangeFunc(func(string, []int, []byte) ([][]byte, error) {
			return nil, errors.New("connection reset")
		}), errcode.BootstrapError},
		{"too few rows", rows(valid), errcode.InnerError},
		{"too many rows", rows(valid, valid, valid), errcode.InnerError},
		{"malformed row", rows(valid, []byte("garbage")), errcode.InnerError},
		{"malformed row beats a mismatch", rows(other, []byte{}), errcode.InnerError},
		{"id below the first", rows(valid, zeroID), errcode.InnerError},
		{"another split's arguments", rows(valid, other), errcode.InvalidParam},
	}
	for _, c := range cases {
		tab := NewTable(2, 0)
		id, err := tab.SplitStrided(c.ex, World, 0, 1, 2, Config{})
		assert.Equal(t, Invalid, id, c.name)
		assertCode(t, c.code, err, c.name)
		assertUnchanged(t, tab, firstSplitID, c.name)
	}
}

func TestSplit2DFailsWhenTheExchangeFails(t *testing.T) {
	tab := NewTable(3, 2)
	x, y, err := tab.Split2D(exchangeFunc(func(string, []int, []byte) ([][]byte, error) {
		return nil, errors.New("down")
	}), World, 2, Config{}, Config{})
	assert.Equal(t, [2]int{Invalid, Invalid}, [2]int{x, y})
	assertCode(t, errcode.BootstrapError, err)
	assertUnchanged(t, tab, firstSplitID, "2d")
}

func TestTeamIDsRunOut(t *testing.T) {
	tab := NewTable(2, 0)
	next := int64(maxTeamID + 1)
	ex := peersProposing(t, &next)
	_, err := tab.SplitStrided(ex, World, 0, 1, 2, Config{})
	assertCode(t, errcode.InnerError, err, "past the int32 range")
	assertUnchanged(t, tab, firstSplitID, "past the int32 range")

	next = maxTeamID
	id, err := tab.SplitStrided(ex, World, 0, 1, 2, Config{})
	require.NoError(t, err)
	assert.Equal(t, maxTeamID, id, "the last id is usable")

	next = 1
	_, err = tab.SplitStrided(ex, World, 0, 1, 2, Config{})
	assertCode(t, errcode.InnerError, err, "our own counter is exhausted")
	_, _, err = tab.Split2D(ex, World, 1, Config{}, Config{})
	assertCode(t, errcode.InnerError, err, "2d too")
}

// A PE whose arguments are refused locally returns at once; the PEs it
// leaves behind fail in the exchange instead of waiting for ever.
func TestLocallyRefusedPELeavesOthersToTheExchangeTimeout(t *testing.T) {
	j := newJob(3)
	j.hub.timeout = 100 * time.Millisecond
	errs := make([]error, 3)
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		size := 2
		if pe == 1 {
			size = 0
		}
		_, errs[pe] = tab.SplitStrided(ex, World, 0, 1, size, Config{})
	})
	assertCode(t, errcode.InvalidParam, errs[1])
	assertCode(t, errcode.BootstrapError, errs[0])
	assert.NoError(t, errs[2], "PE 2 is no member of {0, 1}: Invalid, no error")
	for _, tab := range j.tables {
		assertUnchanged(t, tab, firstSplitID, "no team after a failed split")
	}
}
