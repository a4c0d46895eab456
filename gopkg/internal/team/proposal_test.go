package team

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProposalRoundTrip(t *testing.T) {
	for _, p := range []proposal{
		{request: request{kind: kindStrided, parent: 3, a: 1, b: 2, c: 5}, nextID: 9},
		{request: request{kind: kind2D, parent: 0, a: 4}, nextID: 1},
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
	assert.Equal(t, "split_strided(parent=2, start=1, stride=3, size=4)",
		request{kind: kindStrided, parent: 2, a: 1, b: 3, c: 4}.String())
	assert.Equal(t, "split_2d(parent=0, x_range=5)", request{kind: kind2D, a: 5}.String())
	assert.Equal(t, "split kind 7", request{kind: 7}.String())
}
