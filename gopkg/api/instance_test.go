package api

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freePort is a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// peerPE is the other PE of a two-PE instance, run in this process through
// the job layer (the api holds one PE per instance).
type peerPE struct {
	j    *job.Job
	errc chan error
}

func startPeer(port int) *peerPE {
	p := &peerPE{errc: make(chan error, 1)}
	go func() {
		j, err := job.Start(job.Options{Rank: 1, Size: 2, MemSize: 1 << 20, HostMemSize: 1 << 20, Addr: fmt.Sprintf("127.0.0.1:%d", port),
			Engine: job.EngineMTE, InitTimeout: 20 * time.Second, OpTimeout: 20 * time.Second}, nil, nil)
		p.j = j
		p.errc <- err
	}()
	return p
}

// bothPEs runs on the peer beside mine (the api side) and returns both results.
func bothPEs[T any](t *testing.T, p *peerPE, mine func() (T, error), theirs func(*job.Job) (T, error)) (T, T) {
	t.Helper()
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1)
	go func() { v, err := theirs(p.j); ch <- res{v, err} }()
	a, err := mine()
	require.NoError(t, err)
	b := <-ch
	require.NoError(t, b.err)
	return a, b.v
}

// word is the 8-byte word at addr of a heap mapped here.
func word(addr uintptr) *uint64 { return (*uint64)(unsafe.Pointer(&native.View(addr, 8)[0])) }

// Two instances of two PEs each in one process: their own rendezvous, heaps
// and PE numbering, the current one switched by SetInstance, data put in one
// never seen in the other, streams of both running at once, and the
// finalize of one leaving the other working.
func TestTwoInstancesInOneProcess(t *testing.T) {
	t.Setenv("SHMEM_CYCLE_PROF_PE", "")
	port0, port1 := freePort(t), freePort(t)
	peer0 := startPeer(port0)
	_, err := Init(0, 2, 1<<20, fmt.Sprintf("tcp://127.0.0.1:%d", port0), 1, 20, 20, 20)
	require.NoError(t, err)
	require.NoError(t, <-peer0.errc)
	assert.Equal(t, 0, CurrentInstance())

	peer1 := startPeer(port1)
	_, err = InitInstance(1, 0, 2, 1<<20, fmt.Sprintf("tcp://127.0.0.1:%d", port1), 1, 20, 20, 20)
	require.NoError(t, err)
	require.NoError(t, <-peer1.errc)
	assert.Equal(t, 1, CurrentInstance(), "init makes the new instance current")
	assert.Equal(t, "0,1", InstanceIDs())
	assert.Equal(t, StatusInitialized, InitStatus())
	_, err = InitInstance(1, 0, 2, 1<<20, "", 1, 5, 5, 5)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "second init of instance 1")

	// One block in each instance; the heaps differ.
	a1, b1 := bothPEs(t, peer1, func() (uintptr, error) { p, err := Malloc(64); return uintptr(p), err },
		func(j *job.Job) (uintptr, error) { return j.Malloc(64, 0, false) })
	require.NoError(t, ok(SetInstance(0)))
	assert.Equal(t, 0, CurrentInstance())
	a0, b0 := bothPEs(t, peer0, func() (uintptr, error) { p, err := Malloc(64); return uintptr(p), err },
		func(j *job.Job) (uintptr, error) { return j.Malloc(64, 0, false) })
	assert.NotEqual(t, a0, a1)
	assert.NotEqual(t, b0, b1)

	// A put in instance 0 reaches instance 0's PE 1 only.
	src := uint64(0x0101010101010101)
	_, err = Putmem(int64(a0), int64(uintptr(unsafe.Pointer(&src))), 8, 1)
	require.NoError(t, err)
	assert.Equal(t, src, *word(b0))
	assert.Zero(t, *word(b1))
	// Switching makes the same calls act on instance 1.
	require.NoError(t, ok(SetInstance(1)))
	src1 := uint64(0x0202020202020202)
	_, err = Putmem(int64(a1), int64(uintptr(unsafe.Pointer(&src1))), 8, 1)
	require.NoError(t, err)
	assert.Equal(t, src1, *word(b1))
	assert.Equal(t, src, *word(b0))
	_, err = Putmem(int64(a0), int64(uintptr(unsafe.Pointer(&src1))), 8, 1)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "instance 0's address is outside instance 1's heap")
	_, err = CheckMapped(int64(a0), 8)
	assert.NoError(t, err, "instance 0's heap can be viewed while instance 1 is current")
	_, err = CheckMapped(int64(a0)+1<<40, 8)
	assert.Error(t, err)

	// Streams: each instance has its own; operations queued in both run
	// concurrently, each on its own job, whichever instance is current.
	h1, err := StreamCreate()
	require.NoError(t, err)
	vals1 := make([]uint64, 100)
	for i := range vals1 {
		vals1[i] = uint64(1000 + i)
		_, err = PutmemOnStream(int64(a1), int64(uintptr(unsafe.Pointer(&vals1[i]))), 8, 1, h1)
		require.NoError(t, err)
	}
	require.NoError(t, ok(SetInstance(0)))
	_, err = PutmemOnStream(int64(a0), int64(uintptr(unsafe.Pointer(&src))), 8, 1, h1)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "no queueing on instance 1's stream in instance 0")
	_, err = StreamPending(h1)
	assert.NoError(t, err, "a stream is known by its handle whichever instance is current")
	h0, err := StreamCreate()
	require.NoError(t, err)
	assert.NotEqual(t, h0, h1)
	vals0 := make([]uint64, 100)
	for i := range vals0 {
		vals0[i] = uint64(2000 + i)
		_, err = PutmemOnStream(int64(a0), int64(uintptr(unsafe.Pointer(&vals0[i]))), 8, 1, h0)
		require.NoError(t, err)
	}
	done, err := StreamSync(-1, -1)
	require.NoError(t, err)
	assert.Equal(t, 1, done)
	done, err = StreamSync(h1, -1)
	require.NoError(t, err)
	assert.Equal(t, 1, done)
	require.NoError(t, ok(SetInstance(1)))
	assert.Equal(t, uint64(2099), *word(b0))
	assert.Equal(t, uint64(1099), *word(b1))

	// Finalize instance 1 (current) while instance 0 keeps a stream busy:
	// instance 0 becomes current and still works.
	require.NoError(t, ok(SetInstance(0)))
	for i := range vals0 {
		vals0[i] = uint64(3000 + i)
		_, err = PutmemOnStream(int64(a0), int64(uintptr(unsafe.Pointer(&vals0[i]))), 8, 1, h0)
		require.NoError(t, err)
	}
	require.NoError(t, ok(SetInstance(1)))
	bothPEs(t, peer1, func() (string, error) { return FinalizeInstance(1) },
		func(j *job.Job) (string, error) { _, m := j.Finalize(nil); return "", m })
	assert.Equal(t, 0, CurrentInstance(), "finalizing the current instance falls back to 0")
	assert.Equal(t, "0", InstanceIDs())
	assert.Equal(t, StatusNotInitialized, InstanceStatus(1))
	assert.Equal(t, StatusInitialized, InitStatus())
	_, err = SetInstance(1)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err), "a finalized instance is gone")
	_, err = FinalizeInstance(1)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	done, err = StreamSync(h0, -1)
	require.NoError(t, err)
	assert.Equal(t, 1, done)
	assert.Equal(t, uint64(3099), *word(b0))
	_, err = Putmem(int64(a0), int64(uintptr(unsafe.Pointer(&src1))), 8, 1)
	require.NoError(t, err)
	assert.Equal(t, src1, *word(b0))

	bothPEs(t, peer0, func() (string, error) { return Finalize() },
		func(j *job.Job) (string, error) { _, m := j.Finalize(nil); return "", m })
	assert.Equal(t, StatusNotInitialized, InitStatus())
	assert.Equal(t, -1, MyPe())
}

// Finalizing an instance that is not current leaves the current one current.
func TestFinalizeOfAnotherInstanceKeepsTheCurrentOne(t *testing.T) {
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	_, err = InitInstance(2, 0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	assert.Equal(t, 2, CurrentInstance())
	_, err = FinalizeInstance(0)
	require.NoError(t, err)
	assert.Equal(t, 2, CurrentInstance())
	assert.Equal(t, 0, MyPe())
	assert.Equal(t, StatusNotInitialized, InstanceStatus(0))
	_, err = Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err, "instance 0 can start again beside instance 2")
	assert.Equal(t, 0, CurrentInstance())
	_, err = FinalizeInstance(2)
	require.NoError(t, err)
	assert.Equal(t, 0, CurrentInstance())
	_, err = Finalize()
	require.NoError(t, err)
	_, err = InitInstance(MaxInstances, 0, 1, 1<<20, "", 1, 5, 5, 5)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
	_, err = SetInstance(-1)
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
}

// Settings kept for the next init belong to the instance they were given in;
// a new instance starts with the current one's.
func TestPendingSettingsPerInstance(t *testing.T) {
	defer pendingChunk.Store(0)
	defer pendingLanes.Store(0)
	assert.Equal(t, errcode.NotInited, SetUbParams(0, 8192, 0))
	assert.Equal(t, errcode.Success, SetQpNum(job.EngineROCE, 3))
	_, err := InitInstance(3, 0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	assert.Equal(t, int64(8192), EngineChunk(0), "the new instance took instance 0's pending chunk")
	assert.Equal(t, errcode.InvalidParam, SetQpNum(job.EngineROCE, 5), "frozen once instance 3 runs")
	assert.Equal(t, errcode.Success, SetUbParams(0, 16384, 0))
	assert.Equal(t, int64(16384), EngineChunk(0))
	assert.Equal(t, int64(8192), pendingChunk.Load(), "instance 0's pending chunk is its own")
	_, err = FinalizeInstance(3)
	require.NoError(t, err)
	assert.Equal(t, int64(3), pendingLanes.Load())
}

func TestInstanceIPPort(t *testing.T) {
	got, err := instanceIPPort("tcp://10.0.0.1:0", 0)
	require.NoError(t, err)
	assert.Equal(t, "tcp://10.0.0.1:0", got, "instance 0 keeps its address")
	got, err = instanceIPPort("tcp://10.0.0.1:9000", 4)
	require.NoError(t, err)
	assert.Equal(t, "tcp://10.0.0.1:9000", got, "a port given directly is used")
	t.Setenv("SHMEM_INSTANCE_PORT_RANGE", "")
	_, err = instanceIPPort("tcp://10.0.0.1:0", 4)
	assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), "port 0 needs the range")
	t.Setenv("SHMEM_INSTANCE_PORT_RANGE", "30000:30010")
	got, err = instanceIPPort("tcp://10.0.0.1:0", 4)
	require.NoError(t, err)
	assert.Equal(t, "tcp://10.0.0.1:30004", got)
	got, err = instanceIPPort("tcp6://[::1]:0", 10)
	require.NoError(t, err)
	assert.Equal(t, "tcp6://[::1]:30010", got)
	_, err = instanceIPPort("tcp://10.0.0.1:0", 11)
	assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), "beyond the range")
	for _, bad := range []string{"30000", "a:b", "30010:30000", "1:70000", ":5"} {
		t.Setenv("SHMEM_INSTANCE_PORT_RANGE", bad)
		_, err = instanceIPPort("tcp://10.0.0.1:0", 1)
		assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), bad)
	}
}

func TestInstanceIdentity(t *testing.T) {
	base := jobIdentity{id: "slurm:7.0", key: []byte("k"), localDiscovery: true}
	assert.Equal(t, base, instanceIdentity(base, 0))
	got := instanceIdentity(base, 2)
	assert.Equal(t, "slurm:7.0/instance-2", got.id)
	assert.Equal(t, []byte("k/instance-2"), got.key)
	assert.Equal(t, []byte("k"), base.key, "the launcher's key is not changed")
	assert.True(t, got.localDiscovery)
	assert.Equal(t, jobIdentity{}, instanceIdentity(jobIdentity{}, 3))
}

func ok(_ int, err error) error { return err }

func TestSetInitVariable(t *testing.T) {
	t.Setenv("SHMEM_INSTANCE_PORT_RANGE", "1:2")
	require.NoError(t, ok(SetInitVariable("SHMEM_INSTANCE_PORT_RANGE", "40000:40010")))
	assert.Equal(t, "40000:40010", os.Getenv("SHMEM_INSTANCE_PORT_RANGE"))
	require.NoError(t, ok(SetInitVariable("SHMEM_INSTANCE_PORT_RANGE", "")))
	_, set := os.LookupEnv("SHMEM_INSTANCE_PORT_RANGE")
	assert.False(t, set)
	_, err := SetInitVariable("PATH", "/tmp")
	assert.Equal(t, errcode.InvalidParam, errcode.CodeOf(err))
}

// A global exit tells the PEs of every instance, then ends the process.
func TestGlobalExitTellsEveryInstance(t *testing.T) {
	exited := make(chan int, 1)
	exitProcess = func(status int) { exited <- status }
	defer func() { exitProcess = os.Exit; exitingAny.Store(false) }()
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	_, err = InitInstance(4, 0, 1, 1<<20, "", 1, 5, 5, 5)
	require.NoError(t, err)
	jobs := liveJobs()
	require.Len(t, jobs, 2)
	assert.Same(t, cur.Load().j.Load(), jobs[0], "the current instance's job first")
	GlobalExit(3)
	assert.Equal(t, 3, <-exited)
	for _, j := range jobs {
		assert.True(t, j.Exiting(), "every instance's PEs were told")
	}
	exitingAny.Store(false)
	_, err = FinalizeInstance(4)
	require.NoError(t, err)
	_, err = Finalize()
	require.NoError(t, err)
}

// A stream of a finalized instance names no stream of the instance's next
// incarnation.
func TestStreamHandlesOfIncarnationsDiffer(t *testing.T) {
	var handles []int64
	for range 2 {
		_, err := InitInstance(5, 0, 1, 1<<20, "", 1, 5, 5, 5)
		require.NoError(t, err)
		h, err := StreamCreate()
		require.NoError(t, err)
		assert.Equal(t, int64(5), h/instanceStreamBase, "the handle names its instance")
		handles = append(handles, h)
		_, err = FinalizeInstance(5)
		require.NoError(t, err)
	}
	assert.NotEqual(t, handles[0], handles[1])
}
