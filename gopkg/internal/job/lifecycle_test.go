package job

import (
	"encoding/binary"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/collective"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/heap"
	"github.com/pyshmem/shmem/gopkg/internal/p2p"
	"github.com/pyshmem/shmem/gopkg/internal/signal"
	"github.com/pyshmem/shmem/gopkg/internal/team"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run whole jobs in this process: n PEs on goroutines of their
// own, each with its own heap segment, meeting at a real rendezvous on
// loopback and reaching each other through the engine they asked for (MTE
// and SDMA map the other PEs' segments, ROCE goes through the network
// engine).

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startJobs starts n PEs; edit, when given, changes each PE's options.
func startJobs(t *testing.T, n, engine int, edit func(o *Options)) []*Job {
	t.Helper()
	addr := freeAddr(t)
	jobs := make([]*Job, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for rank := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := Options{Rank: rank, Size: n, MemSize: 1 << 20, HostMemSize: 1 << 16, Addr: addr, Engine: engine,
				InitTimeout: 20 * time.Second, CreateTimeout: 20 * time.Second, OpTimeout: 20 * time.Second}
			if edit != nil {
				edit(&o)
			}
			jobs[rank], errs[rank] = Start(o, nil, nil)
		}()
	}
	wg.Wait()
	for rank, err := range errs {
		require.NoError(t, err, "PE %d", rank)
	}
	return jobs
}

// onAll runs f on every PE at once (collective calls) and waits.
func onAll(jobs []*Job, f func(rank int, j *Job)) {
	var wg sync.WaitGroup
	for rank, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(rank, j)
		}()
	}
	wg.Wait()
}

func finalizeAll(t *testing.T, jobs []*Job) {
	t.Helper()
	onAll(jobs, func(rank int, j *Job) {
		transfers, meeting := j.Finalize(nil)
		assert.NoError(t, transfers, "PE %d", rank)
		assert.NoError(t, meeting, "PE %d", rank)
	})
}

// mallocAll is a collective malloc; it returns each PE's address.
func mallocAll(t *testing.T, jobs []*Job, size int64) []uintptr {
	t.Helper()
	addrs := make([]uintptr, len(jobs))
	onAll(jobs, func(rank int, j *Job) {
		var err error
		addrs[rank], err = j.Malloc(size, 0, true)
		assert.NoError(t, err, "PE %d", rank)
	})
	require.NotZero(t, addrs[0])
	return addrs
}

func u32(addr uintptr) uint32 { return binary.LittleEndian.Uint32(native.View(addr, 4)) }

func putU32(addr uintptr, v uint32) { binary.LittleEndian.PutUint32(native.View(addr, 4), v) }

func TestAJobOfOnePE(t *testing.T) {
	before := RetiredRanges()
	j, err := Start(Options{Rank: 0, Size: 1, MemSize: 1 << 16, Engine: EngineMTE}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, j.Rank())
	assert.Equal(t, 1, j.Size())
	assert.Equal(t, defaultTimeout, j.opts.OpTimeout, "0 timeouts take the default")
	assert.False(t, j.Exiting())
	assert.False(t, j.UsesCopyEngine())
	assert.NotZero(t, j.SyncHandle())
	assert.Zero(t, j.HeapBase(heap.HostSide), "no host-side heap was asked for")
	assert.Zero(t, j.NetChunkSize())
	require.NoError(t, j.SetNetChunkSize(4096), "kept without a network engine")
	assert.Equal(t, uintptr(4096), j.NetChunkSize())
	requireCode(t, j.SetNetChunkSize(0), errcode.InvalidValue)
	require.NoError(t, j.SetLocalChunkSize(1<<16))
	assert.Equal(t, uintptr(1<<16), j.LocalChunkSize())
	assert.Equal(t, uintptr(1<<16), j.ChunkSize())

	a, err := j.Malloc(256, 0, false)
	require.NoError(t, err)
	assert.Equal(t, j.HeapBase(heap.DeviceSide), a)
	assert.Equal(t, uintptr(256), j.BlockSize(a))
	assert.Equal(t, heap.DeviceSide, j.MemTypeOf(a))
	assert.Equal(t, a, j.Ptr(a, 0))
	assert.Zero(t, j.Ptr(a, 1), "no PE 1")
	assert.True(t, j.Mapped(a, 256))
	assert.False(t, j.Mapped(a-1, 1))
	putU32(a+128, 77)
	require.NoError(t, j.Put(a, a+128, 4, 0, false))
	assert.Equal(t, uint32(77), u32(a))
	require.NoError(t, j.Put(a, a+128, 0, 0, false), "nothing to move")
	requireCode(t, j.Put(a+300*1024, a, 4, 0, false), errcode.InvalidParam, "dst", "is not inside the symmetric heap")
	requireCode(t, j.Get(a, a+1<<16, 4, 0, false), errcode.InvalidParam, "src")
	require.NoError(t, j.Quiet())
	require.NoError(t, j.Fence())
	require.NoError(t, j.BarrierAll())
	require.NoError(t, j.Free(a))
	assert.Zero(t, j.BlockSize(a))

	transfers, meeting := j.Finalize(nil)
	require.NoError(t, transfers)
	require.NoError(t, meeting)
	assert.Greater(t, RetiredRanges(), before, "the heap stays mapped (to zeros) for the views the user kept")
	assert.Zero(t, u32(a), "a view of the heap reads zeros after finalize")
	require.NoError(t, ReleaseRetired())
	assert.Zero(t, RetiredRanges())
}

// exercise runs the data paths of a job of several PEs and checks every
// result: it is the same for every engine, which is the point.
func exercise(t *testing.T, jobs []*Job) {
	n := len(jobs)
	buf := mallocAll(t, jobs, 4096)

	// Put and get around the ring, blocking and not.
	onAll(jobs, func(rank int, j *Job) {
		next := (rank + 1) % n
		putU32(buf[rank]+1024, uint32(100+rank))
		assert.NoError(t, j.Put(buf[rank], buf[rank]+1024, 4, next, false))
		assert.NoError(t, j.Put(buf[rank]+4, buf[rank]+1024, 4, next, true))
		assert.NoError(t, j.Quiet())
	})
	onAll(jobs, func(_ int, j *Job) { assert.NoError(t, j.BarrierAll()) })
	for rank := range jobs {
		prev := (rank + n - 1) % n
		assert.Equal(t, uint32(100+prev), u32(buf[rank]), "PE %d", rank)
		assert.Equal(t, uint32(100+prev), u32(buf[rank]+4), "PE %d (nbi)", rank)
	}
	onAll(jobs, func(rank int, j *Job) {
		next := (rank + 1) % n
		assert.NoError(t, j.Get(buf[rank]+2048, buf[rank]+1024, 4, next, false))
		assert.NoError(t, j.Get(buf[rank]+2052, buf[rank]+1024, 4, next, true))
		assert.NoError(t, j.Quiet())
		assert.Equal(t, uint32(100+next), u32(buf[rank]+2048))
		assert.Equal(t, uint32(100+next), u32(buf[rank]+2052))
	})
	onAll(jobs, func(_ int, j *Job) { assert.NoError(t, j.BarrierAll()) })

	// Put with signal: every PE adds 1 to PE 0's signal word behind its data;
	// PE 0 waits for all of them and then sees all the data.
	sig := buf[0] + 512
	onAll(jobs, func(rank int, j *Job) {
		if rank == 0 {
			got, err := j.SignalWaitUntil(sig, signal.CmpGE, int64(n-1))
			assert.NoError(t, err)
			assert.Equal(t, int32(n-1), got)
			for pe := 1; pe < n; pe++ {
				assert.Equal(t, uint32(1000+pe), u32(buf[0]+1536+uintptr(pe)*4))
			}
			v, err := j.SignalFetch(sig)
			assert.NoError(t, err)
			assert.Equal(t, int32(n-1), v)
			return
		}
		putU32(buf[rank]+1024, uint32(1000+rank))
		off := uintptr(rank) * 4
		assert.NoError(t, j.PutSignal(buf[rank]+1536+off, buf[rank]+1024, 4, buf[rank]+512, 1, signal.SigAdd, 0, rank%2 == 0))
		assert.NoError(t, j.Quiet())
	})
	j0 := jobs[0]
	requireCode(t, j0.PutSignal(buf[0], buf[0], 4, sig, 1, 7, 1, false), errcode.InvalidParam, "sig_op 7")
	requireCode(t, j0.PutSignal(buf[0], buf[0], 4, sig, math.MaxInt32+1, signal.SigSet, 1, false), errcode.InvalidValue)
	requireCode(t, j0.PutSignal(buf[0], buf[0], 4, sig+1, 1, signal.SigSet, 1, false), errcode.InvalidParam, "aligned")
	gap := j0.HeapBase(heap.DeviceSide) + 1<<20 // between the two heaps
	requireCode(t, j0.PutSignal(gap, buf[0], 4, sig, 1, signal.SigSet, 1, false), errcode.InvalidParam, "dst")
	require.NoError(t, j0.PutSignal(0, 0, 0, sig, 9, signal.SigSet, 0, false), "a signal alone")
	got, err := j0.SignalWaitUntilCancel(sig, signal.CmpEQ, 9, func() bool { return false })
	require.NoError(t, err)
	assert.Equal(t, int32(9), got)
	_, err = j0.SignalWaitUntilCancel(sig, signal.CmpEQ, 10, func() bool { return true })
	requireCode(t, err, errcode.InnerError, "cancelled by finalize")
	_, err = j0.SignalWaitUntilCancel(sig, signal.CmpEQ, math.MaxInt64, nil)
	requireCode(t, err, errcode.InvalidValue)
	_, err = j0.SignalWaitUntil(sig, signal.CmpEQ, math.MinInt64)
	requireCode(t, err, errcode.InvalidValue)
	_, err = j0.SignalWaitUntil(sig+2, signal.CmpEQ, 1)
	requireCode(t, err, errcode.InvalidParam)
	_, err = j0.SignalWaitUntilCancel(1, signal.CmpEQ, 1, nil)
	requireCode(t, err, errcode.InvalidParam)
	_, err = j0.SignalFetch(sig + 1)
	requireCode(t, err, errcode.InvalidParam)
	require.NoError(t, j0.CheckSignalWord(sig, -1))
	require.NoError(t, j0.CheckSignalWord(sig, n-1))
	requireCode(t, j0.CheckSignalWord(sig, n), errcode.InvalidParam, "does not exist")
	require.NoError(t, j0.CheckRange(buf[0], 4096, n-1, "dst"))
	require.NoError(t, j0.CheckRange(1, 0, 0, "dst"), "an empty range anywhere")
	requireCode(t, j0.CheckRange(buf[0], 4096, n, "dst"), errcode.InvalidParam, "is not a PE of this job")
	requireCode(t, j0.CheckRange(buf[0]-1, 4, 0, "dst"), errcode.InvalidParam, "dst")

	// Atomics: every PE adds rank+1 to PE 0's word, 32 and 64 bits.
	word := buf[0] + 256
	onAll(jobs, func(rank int, j *Job) {
		_, err := j.Atomic(signal.AmoFetchAdd, 8, buf[rank]+256, int64(rank+1), 0, 0)
		assert.NoError(t, err)
		_, err = j.Atomic(signal.AmoAdd, 4, buf[rank]+264, int64(rank+1), 0, 0)
		assert.NoError(t, err)
	})
	onAll(jobs, func(_ int, j *Job) { assert.NoError(t, j.BarrierAll()) })
	v, err := jobs[n-1].Atomic(signal.AmoFetch, 8, buf[n-1]+256, 0, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(n*(n+1)/2), v)
	assert.Equal(t, uint32(n*(n+1)/2), u32(word+8))
	old, err := jobs[n-1].Atomic(signal.AmoCompareSwap, 4, buf[n-1]+264, 5, int64(n*(n+1)/2), 0)
	require.NoError(t, err)
	assert.Equal(t, int64(n*(n+1)/2), old)
	assert.Equal(t, uint32(5), u32(word+8))
	_, err = j0.Atomic(signal.AmoAdd, 2, word, 1, 0, 0)
	requireCode(t, err, errcode.InvalidParam, "width 2")
	_, err = j0.Atomic(signal.AmoAdd, 4, word, math.MaxUint32+1, 0, 0)
	requireCode(t, err, errcode.InvalidValue)
	_, err = j0.Atomic(signal.AmoAdd, 8, word+4, 1, 0, 0)
	requireCode(t, err, errcode.InvalidParam, "aligned")
	_, err = j0.Atomic(signal.AmoAdd, 8, word, 1, 0, -1)
	requireCode(t, err, errcode.InvalidParam)

	// Strided: PE 0 puts every other int32 of its source to PE 1, then
	// gets them back packed.
	src := buf[0] + 3072
	for i := range 8 {
		putU32(src+uintptr(i)*4, uint32(i*11))
	}
	require.NoError(t, j0.Strided(true, buf[0]+3200, src, 2, 1, 8, 4, 1))
	require.NoError(t, j0.Strided(false, buf[0]+3200, buf[0]+3456, 2, 1, 8, 4, 1))
	require.NoError(t, j0.Strided(true, buf[0]+3600, src, 1, 1, 8, 4, 1), "contiguous")
	require.NoError(t, j0.Strided(false, buf[0]+3600, buf[0]+3700, 1, 1, 8, 4, 1))
	require.NoError(t, j0.Strided(true, buf[0], src, 1, 1, 0, 4, 1), "no element")
	for i := range 8 {
		assert.Equal(t, uint32(i*11), u32(buf[0]+3456+uintptr(i)*4))
		assert.Equal(t, uint32(i*11), u32(buf[0]+3700+uintptr(i)*4))
	}
	requireCode(t, j0.Strided(true, gap-16, src, 2, 1, 8, 4, 1), errcode.InvalidParam, "dest") // runs off the heap
	require.Error(t, j0.Strided(true, buf[0], src, -1, 1, 8, 4, 1))
	require.Error(t, j0.Strided(true, buf[0], src, 1, -1, 8, 4, 1))
	onAll(jobs, func(_ int, j *Job) { assert.NoError(t, j.BarrierAll()) })

	// Point to point: PE 0 waits until PE n-1 stores 42 into its variable.
	ivar, res := buf[0]+2560, buf[0]+2568
	onAll(jobs, func(rank int, j *Job) {
		switch rank {
		case 0:
			_, err := j.P2P(P2PCall{Op: p2p.WaitUntil, Kind: p2p.Int32, Cmp: signal.CmpEQ, Ivars: ivar, Value: 42, ResOut: res})
			assert.NoError(t, err)
			assert.Equal(t, uint32(42), u32(ivar))
			r, err := j.P2P(P2PCall{Op: p2p.Test, Kind: p2p.Int32, Cmp: signal.CmpEQ, Ivars: ivar, Value: 42, ResOut: res})
			assert.NoError(t, err)
			assert.Equal(t, uint64(1), r)
			assert.Equal(t, uint32(1), u32(res), "Test writes a C int")
		case n - 1:
			time.Sleep(20 * time.Millisecond)
			putU32(buf[rank]+1024, 42)
			assert.NoError(t, j.Put(buf[rank]+2560, buf[rank]+1024, 4, 0, false))
		}
	})
	_, err = j0.P2P(P2PCall{Op: p2p.Test, Kind: 99, Ivars: ivar})
	requireCode(t, err, errcode.InvalidParam, "unknown variable type")
	_, err = j0.P2P(P2PCall{Op: p2p.TestAll, Kind: p2p.Int32, Ivars: ivar, N: -1})
	requireCode(t, err, errcode.InvalidParam, "does not fit")
	_, err = j0.P2P(P2PCall{Op: p2p.Test, Kind: p2p.Int8, Ivars: ivar, Value: 300})
	requireCode(t, err, errcode.InvalidValue)
	_, err = j0.P2P(P2PCall{Op: p2p.Test, Kind: p2p.Int32, Ivars: 8})
	requireCode(t, err, errcode.InvalidParam, "ivars")
	_, err = j0.P2P(P2PCall{Op: p2p.Test, Kind: p2p.Int32, Ivars: ivar, Status: 16})
	requireCode(t, err, errcode.InvalidParam, "status address")
	_, err = j0.P2P(P2PCall{Op: 99, Kind: p2p.Int32, Ivars: ivar})
	requireCode(t, err, errcode.InvalidParam, "unknown point-to-point operation")
	r, err := j0.P2P(P2PCall{Op: p2p.TestAll, Kind: p2p.Int32, Cmp: signal.CmpEQ, Ivars: ivar, N: 2, Status: res + 8, Value: 42, ResOut: res})
	require.NoError(t, err, "status leaves nothing out (zeros)")
	assert.Zero(t, r, "the second variable is not 42")
	for kind, c := range map[int]struct {
		v int64
		f float64
	}{p2p.Int16: {1 << 16, 0}, p2p.Uint8: {-1, 0}, p2p.Uint16: {1 << 16, 0}, p2p.Uint32: {-1, 0}, p2p.Float32: {0, 1e300}} {
		_, err = j0.P2P(P2PCall{Op: p2p.Test, Kind: kind, Ivars: ivar, Value: c.v, FValue: c.f})
		requireCode(t, err, errcode.InvalidValue)
	}
	onAll(jobs, func(_ int, j *Job) { assert.NoError(t, j.BarrierAll()) })

	// Teams: the even PEs, and a 2D split, with barriers and collectives.
	evens := make([]int, n)
	onAll(jobs, func(rank int, j *Job) {
		var err error
		evens[rank], err = j.SplitStrided(team.World, 0, 2, (n+1)/2, team.Config{NumContexts: 2})
		assert.NoError(t, err)
	})
	assert.Equal(t, team.Invalid, evens[1])
	even := evens[0]
	assert.Equal(t, (n+1)/2, j0.TeamNPes(even))
	assert.Equal(t, 0, j0.TeamMyPE(even))
	assert.Equal(t, 2, j0.TeamTranslate(even, 1, team.World))
	cfg, err := j0.TeamConfig(even)
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.NumContexts)
	_, err = jobs[1].TeamConfig(even)
	requireCode(t, err, errcode.InvalidParam)
	requireCode(t, jobs[1].Barrier(even), errcode.InvalidParam, "not a team of this PE")
	requireCode(t, jobs[1].Broadcast(even, buf[1], buf[1], 4, 0), errcode.InvalidParam)
	onAll(jobs, func(rank int, j *Job) {
		if rank%2 == 0 {
			assert.NoError(t, j.Barrier(even))
			assert.NoError(t, j.Sync(even))
		}
	})
	xs, ys := make([]int, n), make([]int, n)
	onAll(jobs, func(rank int, j *Job) {
		var err error
		xs[rank], ys[rank], err = j.Split2D(team.World, 2, team.Config{}, team.Config{})
		assert.NoError(t, err)
		assert.NoError(t, j.Barrier(xs[rank]))
		assert.NoError(t, j.Sync(ys[rank]))
	})

	// Collectives over the world: broadcast, fcollect, alltoall, reduce.
	onAll(jobs, func(rank int, j *Job) {
		putU32(buf[rank]+1024, uint32(7+rank))
		for i := range n {
			putU32(buf[rank]+1280+uintptr(i)*4, uint32(rank*100+i))
		}
		assert.NoError(t, j.BarrierAll())
		assert.NoError(t, j.Broadcast(team.World, buf[rank]+1100, buf[rank]+1024, 4, n-1))
		assert.NoError(t, j.Fcollect(team.World, buf[rank]+1152, buf[rank]+1024, 4))
		assert.NoError(t, j.Alltoall(team.World, buf[rank]+1408, buf[rank]+1280, 4))
		assert.NoError(t, j.Reduce(team.World, buf[rank]+1536, buf[rank]+1024, 1, int(collective.Int32), int(collective.Sum)))
	})
	for rank := range n {
		assert.Equal(t, uint32(7+n-1), u32(buf[rank]+1100), "broadcast, PE %d", rank)
		for i := range n {
			assert.Equal(t, uint32(7+i), u32(buf[rank]+1152+uintptr(i)*4), "fcollect, PE %d", rank)
			assert.Equal(t, uint32(i*100+rank), u32(buf[rank]+1408+uintptr(i)*4), "alltoall, PE %d", rank)
		}
		assert.Equal(t, uint32(7*n+n*(n-1)/2), u32(buf[rank]+1536), "reduce, PE %d", rank)
	}
	onAll(jobs, func(rank int, j *Job) {
		for _, id := range []int{xs[rank], ys[rank], evens[rank]} {
			if id != team.Invalid {
				assert.NoError(t, j.TeamDestroy(id))
			}
		}
		assert.Error(t, j.TeamDestroy(xs[rank]), "already destroyed")
		assert.NoError(t, j.Free(buf[rank]))
	})
}

func TestJobsOnOneHostMoveDataThroughTheMappedHeaps(t *testing.T) {
	for _, engine := range []int{EngineMTE, EngineSDMA} {
		t.Run(engineName(engine), func(t *testing.T) {
			jobs := startJobs(t, 3, engine, nil)
			for rank, j := range jobs {
				assert.True(t, j.reach.AllMapped())
				assert.Nil(t, j.net, "no network engine on one host")
				assert.Equal(t, engine == EngineSDMA, j.UsesCopyEngine())
				for pe := range jobs {
					assert.NotZero(t, j.Ptr(j.HeapBase(heap.DeviceSide), pe), "PE %d sees PE %d's heap", rank, pe)
				}
			}
			// PE 1's heap as PE 0 maps it is the same memory as PE 1's own.
			a := jobs[0].HeapBase(heap.DeviceSide)
			putU32(jobs[0].Ptr(a+64, 1), 0xfeed)
			assert.Equal(t, uint32(0xfeed), u32(jobs[1].HeapBase(heap.DeviceSide)+64))
			putU32(jobs[0].Ptr(a+64, 1), 0)
			assert.True(t, jobs[0].Mapped(jobs[0].Ptr(a, 2), 64), "a peer's heap is mapped here")
			exercise(t, jobs)
			host := make([]uintptr, 3)
			onAll(jobs, func(rank int, j *Job) {
				var err error
				host[rank], err = j.MallocIn(heap.HostSide, 64, 0, true)
				assert.NoError(t, err)
			})
			assert.Equal(t, heap.HostSide, jobs[2].MemTypeOf(host[2]))
			assert.Equal(t, jobs[2].HeapBase(heap.HostSide), host[2])
			finalizeAll(t, jobs)
		})
	}
}

func TestJobsOverTheNetworkEngine(t *testing.T) {
	jobs := startJobs(t, 3, EngineROCE, func(o *Options) { o.NetLanes = 2 })
	for _, j := range jobs {
		require.NotNil(t, j.net)
		assert.False(t, j.reach.AllMapped())
		assert.Zero(t, j.Ptr(j.HeapBase(heap.DeviceSide), (j.Rank()+1)%3), "no load/store path to a remote PE")
	}
	j0 := jobs[0]
	require.NoError(t, j0.SetNetChunkSize(64<<10))
	assert.Equal(t, uintptr(64<<10), j0.NetChunkSize())
	require.NoError(t, j0.SetLocalChunkSize(128<<10))
	assert.Equal(t, uintptr(128<<10), j0.LocalChunkSize())
	require.NoError(t, j0.SetChunkSize(256<<10), "both engines")
	assert.Equal(t, uintptr(256<<10), j0.ChunkSize())
	assert.Equal(t, uintptr(256<<10), j0.NetChunkSize())
	require.NoError(t, j0.Fence())
	exercise(t, jobs)
	finalizeAll(t, jobs)
}

func TestStartRefusesBadOptions(t *testing.T) {
	for _, c := range []struct {
		o    Options
		code int
		want string
	}{
		{Options{Rank: -1, Size: 1, MemSize: 1, Engine: EngineMTE}, errcode.InvalidValue, "mype -1"},
		{Options{Rank: 0, Size: 0, MemSize: 1, Engine: EngineMTE}, errcode.InvalidValue, "npes 0"},
		{Options{Rank: 0, Size: 1, Engine: EngineMTE}, errcode.InvalidValue, "mem_size"},
		{Options{Rank: 2, Size: 2, MemSize: 1, Engine: EngineMTE}, errcode.InvalidParam, "not below npes"},
		{Options{Rank: 0, Size: 2, MemSize: 1, Engine: EngineMTE, LocalDiscovery: true}, errcode.InvalidParam, "job identity"},
		{Options{Rank: 0, Size: 1, MemSize: 1, Engine: 3}, errcode.InvalidValue, "data_op_engine_type 3"},
		{Options{Rank: 0, Size: 2, MemSize: 1 << 16, Engine: EngineMTE}, errcode.BootstrapError, "no rendezvous address"},
		{Options{Rank: 0, Size: 1, MemSize: math.MaxUint64 - 1, Engine: EngineMTE}, errcode.InvalidParam, ""},
	} {
		created := false
		_, err := Start(c.o, func() { created = true }, nil)
		requireCode(t, err, c.code, c.want)
		assert.Equal(t, c.code == errcode.BootstrapError, created, "created is called once the heap exists")
	}
}

func TestPEsThatDisagreeOnHeapSizesDoNotStart(t *testing.T) {
	addr := freeAddr(t)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for rank := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[rank] = Start(Options{Rank: rank, Size: 2, MemSize: uintptr(1+rank) << 16, Addr: addr,
				Engine: EngineMTE, InitTimeout: 20 * time.Second}, nil, nil)
		}()
	}
	wg.Wait()
	for rank := range 2 {
		requireCode(t, errs[rank], errcode.InvalidParam, "heap sizes differ between PEs")
	}
}

func TestStartGivesUpWhenThePEsDoNotAllCome(t *testing.T) {
	_, err := Start(Options{Rank: 1, Size: 2, MemSize: 1 << 16, Addr: freeAddr(t), Engine: EngineMTE,
		InitTimeout: 500 * time.Millisecond}, nil, nil)
	require.Error(t, err)
	assert.Contains(t, []int{errcode.BootstrapError, errcode.TimeoutError}, errcode.CodeOf(err), err.Error())
}

// A PE the rendezvous saw die: every path to it fails at once, and waits
// that only it could end give up.
func TestALostPEIsRefusedEverywhere(t *testing.T) {
	for _, engine := range []int{EngineMTE, EngineROCE} {
		t.Run(engineName(engine), func(t *testing.T) {
			jobs := startJobs(t, 2, engine, nil)
			buf := mallocAll(t, jobs, 1024)
			j0 := jobs[0]
			j0.peerLost(1)
			j0.peerLost(1) // told twice: the first cause stays
			assert.Zero(t, j0.Ptr(buf[0], 1))
			requireCode(t, j0.Put(buf[0], buf[0]+512, 8, 1, false), errcode.BootstrapError)
			_, err := j0.Atomic(signal.AmoFetchAdd, 8, buf[0], 1, 0, 1)
			requireCode(t, err, errcode.BootstrapError)
			_, err = j0.SignalWaitUntil(buf[0]+8, signal.CmpEQ, 1)
			requireCode(t, err, errcode.BootstrapError, "PE 1 of the job died")
			_, err = j0.SignalWaitUntilCancel(buf[0]+8, signal.CmpEQ, 1, func() bool { return false })
			requireCode(t, err, errcode.BootstrapError, "PE 1 of the job died")
			_, err = j0.P2P(P2PCall{Op: p2p.WaitUntil, Kind: p2p.Int64, Cmp: signal.CmpEQ, Ivars: buf[0] + 16, Value: 1})
			requireCode(t, err, errcode.BootstrapError, "PE 1 of the job died")
			if engine == EngineMTE {
				requireCode(t, j0.Sync(team.World), errcode.BootstrapError, "barrier: PE 1 of the job died")
			}
			assert.Equal(t, int64(1), j0.lostPE.Load())
			finalizeAll(t, jobs)
		})
	}
}

func TestHostIdentityNamesTheMemoryDomain(t *testing.T) {
	t.Setenv("SHMEM_HOST_ID", "")
	id := hostIdentity()
	assert.Regexp(t, `^(boot:[0-9a-f-]+|host:)/?`+osHostname()+`$`, id, "the boot id tells machines apart")
	t.Setenv("SHMEM_HOST_ID", "rack7")
	assert.Equal(t, "env:rack7", hostIdentity(), "tests make one machine look like several hosts")
	assert.Equal(t, "ok", outcome(nil))
	assert.Equal(t, "shmem[-1]: bad", outcome(errcode.New(errcode.InvalidParam, "bad")))
}
