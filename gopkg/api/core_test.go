package api

import (
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Streams, memory types, configuration and profiling on a job of one PE.
func TestSinglePEStreamsHeapsConfigProf(t *testing.T) {
	t.Setenv("SHMEM_HOST_MEM_SIZE", "1M")
	t.Setenv("SHMEM_CYCLE_PROF_PE", "0")
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()

	dev, host := HeapBase(MemDeviceSide), HeapBase(MemHostSide)
	require.NotZero(t, dev)
	require.Greater(t, host, dev+1<<20-1, "the host-side heap lies past the device-side one")
	p, err := MallocType(MemHostSide, 0, 4096, 0)
	require.NoError(t, err)
	assert.Equal(t, host, p)
	assert.Equal(t, MemHostSide, MemTypeOf(p))
	q, err := MallocType(MemDeviceSide, 16, 8, 0)
	require.NoError(t, err)
	assert.Equal(t, MemDeviceSide, MemTypeOf(q))
	_, err = MallocType(7, 0, 64, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))

	// A stream runs its operations in order: a put of 1s then a put of 2s over the same word leaves 2s.
	h, err := StreamCreate()
	require.NoError(t, err)
	one, two := [8]byte{1, 1, 1, 1, 1, 1, 1, 1}, [8]byte{2, 2, 2, 2, 2, 2, 2, 2}
	_, err = PutmemOnStream(p, int64(uintptr(unsafe.Pointer(&one))), 8, 0, h)
	require.NoError(t, err)
	_, err = PutmemOnStream(p, int64(uintptr(unsafe.Pointer(&two))), 8, 0, h)
	require.NoError(t, err)
	_, err = QuietOnStream(h)
	require.NoError(t, err)
	done, err := StreamSync(h, -1)
	require.NoError(t, err)
	assert.Equal(t, 1, done)
	var got [8]byte
	_, err = Getmem(int64(uintptr(unsafe.Pointer(&got))), p, 8, 0)
	require.NoError(t, err)
	assert.Equal(t, two, got)

	// Checked when queued; failing when run, reported by the sync.
	_, err = PutmemOnStream(p, 4096, 8, 1, h)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "pe 1 of a 1-PE job")
	_, err = GetmemOnStream(8, p, 8, 0, h)
	require.NoError(t, err)
	_, err = StreamSync(h, -1)
	assert.Error(t, err)
	_, err = StreamSync(h, -1)
	assert.NoError(t, err)
	_, err = StreamDestroy(h)
	require.NoError(t, err)
	_, err = StreamSync(h, 0)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = StreamDestroy(0)
	assert.Error(t, err)

	// Configuration.
	assert.Equal(t, errcode.Success, SetSdmaConfig(0, 65536, 0))
	assert.Equal(t, int64(65536), EngineChunk(0))
	assert.Equal(t, int64(0), EngineChunk(1), "no network engine, no frame size set")
	assert.Equal(t, errcode.Success, SetRdmaConfig(0, 4096, 0), "kept without a network engine")
	assert.Equal(t, int64(4096), EngineChunk(1))
	assert.Equal(t, int64(65536), EngineChunk(0), "the RDMA setting leaves the copy engine alone")
	assert.Equal(t, errcode.Success, SetUdmaConfig(0, 8192, 0))
	assert.Equal(t, int64(8192), EngineChunk(0), "UDMA runs on the copy engine")
	assert.Equal(t, int64(4096), EngineChunk(1))
	assert.Equal(t, errcode.InvalidValue, SetQpNum(1, 2), "MTE has no queue pairs")
	assert.Equal(t, errcode.InvalidParam, SetQpNum(8, 2), "frozen at init (UDMA: the copy engine's workers)")
	assert.Equal(t, errcode.InvalidParam, SetQpNum(4, 2), "frozen at init")
	assert.Equal(t, errcode.InvalidValue, SetSdmaConfig(0, 0, 0))

	// Profiling: the two puts on the stream and the get.
	snap, err := ProfSnapshot()
	require.NoError(t, err)
	assert.Contains(t, snap, "0\n")
	assert.Contains(t, snap, "\n9,0,2,16,", "put_on_stream row: 2 calls, 16 bytes")
	assert.Contains(t, snap, "\n1,0,1,8,", "get row")
}

// On a job of the UDMA engine (the copy engine here) set_udma_config gives
// the copy engine its chunk size; set_rdma_config, with no network engine,
// keeps its size apart. A 1 MiB + 3 bytes put in 4 KiB chunks lands exact.
func TestUdmaConfigSetsTheCopyEngineChunk(t *testing.T) {
	assert.Equal(t, errcode.InvalidValue, SetQpNum(int64(job.EngineSDMA), 2), "SDMA has no queue pairs")
	assert.Equal(t, errcode.InvalidValue, SetQpNum(int64(job.EngineUDMA), 33))
	assert.Equal(t, errcode.Success, SetQpNum(int64(job.EngineUDMA), 3))
	t.Cleanup(func() { pendingQueues.Store(0) })
	_, err := Init(0, 1, 4<<20, "", int(job.EngineUDMA), 5, 5, 5)
	require.NoError(t, err)
	defer Finalize()
	require.True(t, current.Load().UsesCopyEngine())
	assert.Equal(t, errcode.Success, SetUdmaConfig(0, 4096, 0))
	assert.Equal(t, int64(4096), EngineChunk(0))
	assert.Equal(t, errcode.Success, SetRdmaConfig(0, 1<<16, 0))
	assert.Equal(t, int64(4096), EngineChunk(0))
	assert.Equal(t, int64(1<<16), EngineChunk(1))

	n := 1<<20 + 3
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	dst, err := Malloc(int64(n + 1))
	require.NoError(t, err)
	_, err = Putmem(dst, int64(uintptr(unsafe.Pointer(&src[0]))), int64(n), 0)
	require.NoError(t, err)
	got := make([]byte, n)
	_, err = Getmem(int64(uintptr(unsafe.Pointer(&got[0]))), dst, int64(n), 0)
	require.NoError(t, err)
	assert.Equal(t, src, got)
}

// The cost of a same-PE 8-byte put with profiling off (one atomic load) and on.
func BenchmarkPut8(b *testing.B) {
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(b, err)
	defer Finalize()
	p, err := Malloc(64)
	require.NoError(b, err)
	src := new([8]byte)
	addr := int64(uintptr(unsafe.Pointer(src)))
	for _, on := range []bool{false, true, false, true} {
		name := "off"
		if on {
			name = "on"
			profTable.Store(prof.New(0, 1))
		} else {
			profTable.Store(nil)
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if _, err := Putmem(p, addr, 8, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	profTable.Store(nil)
}
