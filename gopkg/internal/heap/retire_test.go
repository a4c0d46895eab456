package heap

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/native"
)

func TestRetireKeepsTheAddressesUntilReleased(t *testing.T) {
	require.NoError(t, ReleaseRetired())
	mine, err := Create(4096)
	require.NoError(t, err)
	peer, err := Attach(mine.Handle)
	require.NoError(t, err)
	user := native.View(mine.UserBase(), mine.UserSize())
	stale := native.View(peer.UserBase(), peer.UserSize()) // a view the user kept
	user[3] = 9
	require.Equal(t, byte(9), stale[3])

	require.NoError(t, peer.Retire())
	require.NoError(t, mine.Retire())
	fds, maps := heldHere(t, mine.Handle.Label)
	assert.Zero(t, fds, "retiring the creator's mapping releases its descriptor")
	assert.Zero(t, maps, "the retired ranges no longer map the segment")
	assert.Zero(t, mine.Base)
	assert.Zero(t, peer.UserBase())
	require.NoError(t, mine.Retire(), "idempotent")
	require.NoError(t, mine.Close(), "Close after Retire does nothing")
	assert.Equal(t, 2, RetiredRanges())

	// The stale views read zeros and write where nobody looks: no fault.
	assert.Equal(t, byte(0), stale[3])
	assert.Equal(t, byte(0), user[3])
	stale[4], user[4] = 1, 2
	assert.Equal(t, byte(1), stale[4])
	assert.Equal(t, byte(2), user[4])

	require.NoError(t, ReleaseRetired())
	assert.Zero(t, RetiredRanges())
	fds, maps = heldHere(t, mine.Handle.Label)
	assert.Zero(t, fds+maps)
}

func TestRetireAfterCloseIsANoOp(t *testing.T) {
	mine, err := Create(4096)
	require.NoError(t, err)
	require.NoError(t, mine.Close())
	before := RetiredRanges()
	require.NoError(t, mine.Retire())
	assert.Equal(t, before, RetiredRanges())
}
