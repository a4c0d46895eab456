package native

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetiredMappingStaysUsableAndLetsTheSegmentGo(t *testing.T) {
	name := testLabel(t)
	const size = 4 * 4096
	base, h := create(t, name, size, Placement{})
	peerBase, peerSize, err := AttachSegment(h)
	require.NoError(t, err)
	require.NoError(t, ReleaseSegment(h))
	mine, peer := View(base, size), View(peerBase, peerSize)
	mine[5] = 42
	require.Equal(t, byte(42), peer[5])

	require.NoError(t, RetireMapping(peerBase, peerSize))
	assert.Equal(t, 1, mappingsOf(t, name), "the retired range no longer maps the segment")
	// Touching the retired range must not fault: it reads zeros and writes privately.
	assert.Equal(t, byte(0), peer[5])
	peer[6] = 7
	assert.Equal(t, byte(7), peer[6])
	assert.Equal(t, byte(0), mine[6], "writes to a retired range reach nobody")
	assert.Equal(t, byte(42), mine[5], "the other mappings keep their data")

	assert.True(t, isMapped(t, peerBase))
	require.NoError(t, ReleaseMapping(peerBase, peerSize))
	assert.False(t, isMapped(t, peerBase), "release gives the address range back")
	require.NoError(t, DetachSegment(base, size))
	assert.Zero(t, mappingsOf(t, name))
}

func TestRetireRefusesAnEmptyRange(t *testing.T) {
	assert.ErrorIs(t, RetireMapping(0, 4096), ErrInvalidArgument)
	assert.ErrorIs(t, RetireMapping(4096, 0), ErrInvalidArgument)
	assert.ErrorIs(t, ReleaseMapping(0, 4096), ErrInvalidArgument)
}

// isMapped reports whether addr lies in a mapping of this process.
func isMapped(t *testing.T, addr uintptr) bool {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	for _, line := range strings.Split(string(maps), "\n") {
		var lo, hi uintptr
		if _, err := fmt.Sscanf(line, "%x-%x", &lo, &hi); err == nil && lo <= addr && addr < hi {
			return true
		}
	}
	return false
}
