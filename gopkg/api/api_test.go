package api

import (
	"encoding/json"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIPPort(t *testing.T) {
	good := map[string]string{
		"tcp://127.0.0.1:8666":   "127.0.0.1:8666",
		"tcp://localhost:1025":   "localhost:1025",
		"tcp6://[::1]:65535":     "[::1]:65535",
		"tcp://10.0.0.7:29600":   "10.0.0.7:29600",
		"tcp6://[fe80::1]:20000": "[fe80::1]:20000",
	}
	for in, want := range good {
		got, err := ParseIPPort(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "127.0.0.1:8666", "udp://1.2.3.4:5000", "tcp://1.2.3.4", "tcp://1.2.3.4:1024",
		"tcp://1.2.3.4:65536", "tcp://:8666", "tcp6://::1:8666", "tcp://[::1]:8666", "tcp://h:p0rt", "tcp6://[::1]", "tcp://h:+8666", "tcp://h:-0"} {
		_, err := ParseIPPort(bad)
		assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), bad)
	}
}

func TestSharedConstants(t *testing.T) {
	text, err := SharedConstants()
	require.NoError(t, err)
	var got map[string]int64
	require.NoError(t, json.Unmarshal([]byte(text), &got))
	assert.Len(t, got, len(sharedConstants))
	assert.Equal(t, int64(errcode.NotSupported), got["errcode.NotSupported"])
	assert.Equal(t, int64(-99), got["errcode.Interrupted"])
	assert.Equal(t, int64(job.EngineUDMA), got["engine.UDMA"])
}

func TestCallsBeforeInit(t *testing.T) {
	_, err := Putmem(1<<20, 1<<20, 8, 0)
	assert.Equal(t, errcode.NotInited, errcode.CodeOf(err))
	_, err = BarrierAll()
	assert.Equal(t, errcode.NotInited, errcode.CodeOf(err))
	p, err := Malloc(64)
	assert.Zero(t, p)
	assert.Equal(t, errcode.NotInited, errcode.CodeOf(err))
	assert.Equal(t, -1, MyPe())
	assert.Equal(t, -1, TeamNPes(0))
	assert.Zero(t, FftsConfig())
	assert.Zero(t, Ptr(1<<20, 0))
	assert.Equal(t, errcode.NotInited, SetUbParams(0, 4096, 0))
	assert.Equal(t, errcode.InvalidValue, SetUbParams(0, 0, 0))
	assert.Equal(t, StatusNotInitialized, InitStatus())
	w, err := Finalize()
	assert.NoError(t, err)
	assert.Empty(t, w)
}

// A job of one PE: init, data movement through every path, and the errors
// bad arguments give instead of a crash.
func TestSinglePEJob(t *testing.T) {
	pendingChunk.Store(0)
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()
	assert.Equal(t, StatusInitialized, InitStatus())
	_, err = Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "second init")

	a, err := Malloc(256)
	require.NoError(t, err)
	b, err := Calloc(4, 64)
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	assert.Zero(t, a%64)
	_, err = PutBits(a, 0x1122334455667788, 8, 0)
	require.NoError(t, err)
	_, err = Putmem(b, a, 8, 0)
	require.NoError(t, err)
	got, err := GetBits(b, 8, 0)
	require.NoError(t, err)
	assert.EqualValues(t, 0x1122334455667788, got)

	for _, call := range []func() (int, error){
		func() (int, error) { return Putmem(a, 8, 8, 0) },                     // unreadable local source
		func() (int, error) { return Getmem(8, a, 8, 0) },                     // unwritable local destination
		func() (int, error) { return Putmem(a, a, 8, 1) },                     // no PE 1
		func() (int, error) { return Putmem(a+1<<30, a, 8, 0) },               // not symmetric
		func() (int, error) { return Putmem(-1, a, 8, 0) },                    // not an address
		func() (int, error) { return Putmem(a, a, -8, 0) },                    // negative size
		func() (int, error) { return PutmemSignal(a, a, 8, a+2, 1, 0, 0, 0) }, // unaligned signal word
		func() (int, error) { return PutmemSignal(a, a, 8, a, 1, 5, 0, 0) },   // unknown signal op
		func() (int, error) { return Free(a + 64) },                           // not a block
	} {
		_, err := call()
		assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "%v", err)
	}
	_, err = Free(a)
	require.NoError(t, err)
	_, err = Free(a)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "double free")
	assert.NotZero(t, FftsConfig())
	assert.Equal(t, errcode.Success, SetUbParams(0, 4096, 0))
}

func BenchmarkPutmem8(b *testing.B) {
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(b, err)
	defer Finalize()
	dst, _ := Malloc(64)
	src, _ := Malloc(64)
	b.ResetTimer()
	for range b.N {
		_, _ = Putmem(dst, src, 8, 0)
	}
}

// A heap address kept past finalize (a view the user still holds) stays
// readable and writable, reading zeros, until ReleaseRetired.
func TestFinalizeKeepsTheHeapRangeForStaleViews(t *testing.T) {
	_, err := ReleaseRetired()
	require.NoError(t, err)
	_, err = Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	p, err := Malloc(64)
	require.NoError(t, err)
	_, err = PutBits(p, 77, 8, 0)
	require.NoError(t, err)
	stale := native.View(uintptr(p), 8)
	require.Equal(t, byte(77), stale[0])
	_, err = Finalize()
	require.NoError(t, err)

	assert.Equal(t, 1, RetiredRanges())
	assert.Equal(t, byte(0), stale[0], "a retired heap reads zeros")
	stale[1] = 5 // and takes writes without a fault
	assert.Equal(t, byte(5), stale[1])
	_, err = PutBits(p, 1, 8, 0)
	assert.Equal(t, errcode.NotInited, errcode.CodeOf(err), "the runtime itself no longer uses it")
	_, err = ReleaseRetired()
	require.NoError(t, err)
	assert.Zero(t, RetiredRanges())
}

func TestBlockSizeKnowsLiveBlocksOnly(t *testing.T) {
	assert.Zero(t, BlockSize(1<<20), "before init")
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()
	p, err := Malloc(100)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, BlockSize(p), int64(100))
	assert.Zero(t, BlockSize(p+8), "inside a block")
	assert.Zero(t, BlockSize(-1))
	_, err = Free(p)
	require.NoError(t, err)
	assert.Zero(t, BlockSize(p), "freed")
}
