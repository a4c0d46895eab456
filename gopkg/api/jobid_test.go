package api

import (
	"strings"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/bootstrap"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetJobIdentity(t *testing.T) {
	defer func() { _, _ = SetJobIdentity("", "", false) }()
	_, err := SetJobIdentity("slurm:1.0", "", true)
	require.NoError(t, err)
	assert.Equal(t, jobIdentity{id: "slurm:1.0", localDiscovery: true}, takeJobIdentity())

	// A key alone names the job by its fingerprint, which does not reveal it.
	_, err = SetJobIdentity("", "s3cret", false)
	require.NoError(t, err)
	got := takeJobIdentity()
	assert.Equal(t, bootstrap.KeyIdentity([]byte("s3cret")), got.id)
	assert.NotContains(t, got.id, "s3cret")
	assert.Equal(t, []byte("s3cret"), got.key)

	_, err = SetJobIdentity(strings.Repeat("x", 2000), "", false)
	assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err))
}
