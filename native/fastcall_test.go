package native

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFastCopyEntryDeclinesWithoutAFunction(t *testing.T) {
	SetFastCopy(nil)
	assert.Equal(t, 1, fastCopyEntry(0, 1, 2, 8, 0))
}

func TestFastCopyEntryPassesItsArgumentsAndTheVerdict(t *testing.T) {
	t.Cleanup(func() { SetFastCopy(nil) })
	var got []int64
	SetFastCopy(func(op int, dst, src, n int64, pe int) bool {
		got = []int64{int64(op), dst, src, n, int64(pe)}
		return n == 8
	})
	assert.Equal(t, 0, fastCopyEntry(1, 100, 200, 8, 3))
	assert.Equal(t, []int64{1, 100, 200, 8, 3}, got)
	assert.Equal(t, 1, fastCopyEntry(0, 100, 200, 9, 3), "the function's refusal is a decline")
}

func TestFastCallRegisterChecksItsArguments(t *testing.T) {
	_, err := FastCallRegister(0, 8, 1, 1, 1)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = FastCallRegister(1, -1, 1, 1, 1)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, err = FastCallRegister(1, 8, 1, 0, 1)
	require.ErrorIs(t, err, ErrInvalidArgument)
	def, err := FastCallRegister(1, 8, 1, 1, 1) // the addresses are only stored, never called here
	require.NoError(t, err)
	assert.NotZero(t, def)
}
