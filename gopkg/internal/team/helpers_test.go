package team

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
)

// assertCode checks that err carries the API error code want.
func assertCode(t *testing.T, want int, err error, msgAndArgs ...any) bool {
	t.Helper()
	if !assert.Error(t, err, msgAndArgs...) {
		return false
	}
	return assert.Equal(t, want, errcode.CodeOf(err), msgAndArgs...)
}

// stridedWorldRanks lists the world ranks a strided split of parent selects.
func stridedWorldRanks(parent []int, start, stride, size int) []int {
	var out []int
	for i := 0; i < size; i++ {
		out = append(out, parent[start+i*stride])
	}
	return out
}

func indexOf(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
