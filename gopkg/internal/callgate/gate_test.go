package callgate

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCloseWaitsForCallsInsideAndRefusesNewOnes(t *testing.T) {
	var g Gate
	require.True(t, g.Enter())
	var closed atomic.Bool
	done := make(chan struct{})
	go func() {
		g.Close()
		closed.Store(true)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	assert.False(t, closed.Load(), "Close returned while a call was inside")
	assert.False(t, g.Enter(), "a shut gate let a call in")
	g.Leave()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the last call left")
	}
	assert.False(t, g.Enter())
}
