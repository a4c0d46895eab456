package heap

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

func TestSegmentName(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		name := SegmentName(4321)
		assert.Regexp(t, `^/shmem-4321-[0-9a-f]{8}$`, name)
		assert.False(t, seen[name], "names repeat")
		seen[name] = true
	}
}

func TestRemoveSegmentsOf(t *testing.T) {
	a, err := Create(4096)
	require.NoError(t, err)
	closeAtEnd(t, a)
	b, err := Create(4096)
	require.NoError(t, err)
	closeAtEnd(t, b)

	removed, err := RemoveSegmentsOf(os.Getpid())
	require.NoError(t, err)
	assert.Equal(t, 2, removed)
	assert.Empty(t, ourShmFiles(t))
	require.NoError(t, a.Close(), "the creator's Close tolerates a name already removed")

	removed, err = RemoveSegmentsOf(os.Getpid())
	require.NoError(t, err)
	assert.Zero(t, removed)
	_, err = RemoveSegmentsOf(0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
}
