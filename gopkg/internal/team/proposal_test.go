package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProposalRoundTrip(t *testing.T) {
	for _, p := range []proposal{
		{request: request{kind: kindStrided, parent: 3, a: 1, b: 2, c: 5}, nextID: 9},
		{request: request{kind: kindList, parent: 0, a: 4, b: -7, c: 3}, nextID: 1},
		{request: request{kind: kindStrided, parent: 1 << 40, a: -1, b: -2, c: -3}, nextID: 1 << 31},
	} {
		got, err := decodeProposal(encodeProposal(p))
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
}

func TestProposalRejectsForeignBytes(t *testing.T) {
	good := encodeProposal(proposal{request: request{kind: kindStrided}, nextID: 1})
	wrongVersion := append([]byte(nil), good...)
	wrongVersion[0] = 9
	for name, raw := range map[string][]byte{
		"empty":         nil,
		"short":         good[:len(good)-1],
		"long":          append(append([]byte(nil), good...), 0),
		"wrong version": wrongVersion,
	} {
		_, err := decodeProposal(raw)
		assert.Error(t, err, name)
	}
}

func TestRequestNamesItsSplit(t *testing.T) {
	assert.Equal(t, "team of world PEs 1, 3 apart, 4 of them", request{kind: kindStrided, a: 1, b: 3, c: 4}.String())
	assert.Equal(t, "team of 3 world PEs from 5 (list hash ff)", request{kind: kindList, a: 5, b: 255, c: 3}.String())
	assert.Equal(t, "split kind 7", request{kind: 7}.String())
}
