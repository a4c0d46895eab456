package native

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pyshmem/shmem/native/internal/cbtest"
)

func TestCallStringFuncReturnsTheAnswer(t *testing.T) {
	out, err := CallStringFunc(cbtest.Upper(), "cipher-text é")
	require.NoError(t, err)
	assert.Equal(t, "CIPHER-TEXT é", out)

	out, err = CallStringFunc(cbtest.Upper(), "")
	require.NoError(t, err)
	assert.Equal(t, "", out)
}

func TestCallStringFuncRetriesWithTheSizeAsked(t *testing.T) {
	cbtest.ResetRepeatCalls()
	out, err := CallStringFunc(cbtest.Repeat(), "4096:a")
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("a", 4096), out, "an answer of exactly the first capacity")
	assert.Equal(t, 1, cbtest.RepeatCalls())

	cbtest.ResetRepeatCalls()
	out, err = CallStringFunc(cbtest.Repeat(), "100000:b")
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("b", 100000), out)
	assert.Equal(t, 2, cbtest.RepeatCalls(), "one call too small, one retry with the size asked")
}

func TestCallStringFuncFailures(t *testing.T) {
	_, err := CallStringFunc(0, "x")
	assert.ErrorIs(t, err, ErrInvalidArgument)

	_, err = CallStringFunc(cbtest.Upper(), "a\x00b")
	assert.ErrorIs(t, err, ErrInvalidArgument)

	for name, fn := range map[string]uintptr{
		"fails":  cbtest.Fail(),
		"greedy": cbtest.Greedy(),
		"huge":   cbtest.Huge(),
		"parse":  cbtest.Repeat(), // fails on input it cannot parse
	} {
		_, err := CallStringFunc(fn, "not-a-count")
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrCallbackFailed, name)
		assert.NotErrorIs(t, err, ErrInvalidArgument, name)
	}
	_, err = CallStringFunc(cbtest.Fail(), "")
	assert.ErrorContains(t, err, "status -1")
	_, err = CallStringFunc(cbtest.Greedy(), "")
	assert.ErrorContains(t, err, "after 4 calls")
	_, err = CallStringFunc(cbtest.Huge(), "")
	assert.ErrorContains(t, err, "more than the 16777216 allowed")
}

func TestCallStringFuncFromManyGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				in := strings.Repeat("x", g*700+i)
				out, err := CallStringFunc(cbtest.Upper(), in)
				if !assert.NoError(t, err) || !assert.Equal(t, strings.ToUpper(in), out) {
					return
				}
			}
		}()
	}
	wg.Wait()
}
