package errcode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCodeOf(t *testing.T) {
	assert.Equal(t, Success, CodeOf(nil))
	assert.Equal(t, InnerError, CodeOf(errors.New("plain")))
	assert.Equal(t, TimeoutError, CodeOf(New(TimeoutError, "late")))
	assert.Equal(t, TimeoutError, CodeOf(fmt.Errorf("outer: %w", New(TimeoutError, "late"))))
}

func TestWrapKeepsCode(t *testing.T) {
	e := Wrap(InnerError, New(BootstrapError, "refused"), "join")
	assert.Equal(t, BootstrapError, e.Code)
	assert.Equal(t, "shmem[-6]: join: refused", e.Error())
	assert.Equal(t, InvalidValue, Wrap(InvalidValue, errors.New("x"), "ctx").Code)
	assert.Nil(t, Wrap(InnerError, nil, "ctx"))
}
