package interrupt

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Context: cancelled by the first interrupt after it was made, and it says so;
// cancelled by its parent or its own cancel, it says it was not interrupted.
func TestContextEndsAtTheNextInterrupt(t *testing.T) {
	Raise() // before the context: not its interrupt
	ctx, cancel, interrupted := Context(context.Background())
	defer cancel()
	assert.NoError(t, ctx.Err())
	assert.False(t, interrupted())
	before := Epoch()
	Raise()
	assert.Equal(t, before+1, Epoch())
	<-ctx.Done() // ends the test by its timeout if the interrupt did not cancel it
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	assert.True(t, interrupted())
}

func TestContextCancelledOtherwiseWasNotInterrupted(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel, interrupted := Context(parent)
	defer cancel()
	cancelParent()
	<-ctx.Done()
	assert.False(t, interrupted())

	ctx, cancel, interrupted = Context(context.Background())
	cancel()
	<-ctx.Done()
	assert.False(t, interrupted())
}

func TestNilAndUntakenMarks(t *testing.T) {
	var nilMark *Mark
	nilMark.Take() // a call that cannot be interrupted: no effect
	assert.NoError(t, nilMark.Err())
	assert.Nil(t, nilMark.Done())
	var untaken Mark
	Raise()
	assert.NoError(t, untaken.Err(), "an untaken mark sees no interrupt")
}
