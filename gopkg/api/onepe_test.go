package api

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/native"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exported calls on a job of one PE in this process: every call acts on
// the PE itself, so data movement, atomics, signals, collectives and teams
// all run for real. The codes (op, dtype, cmp, ...) are read from
// SharedConstants, the table Python reads, so the tests speak the same
// numbers as the facade.

// startOne starts a job of one PE (1 MiB heap, MTE, 5 s timeouts): the one
// place these tests call Init.
func startOne() error {
	_, err := Init(0, 1, 1<<20, "", 1, 5, 5, 5)
	return err
}

// onePE starts a job of one PE for the test and finalizes it at its end.
func onePE(t *testing.T) {
	t.Helper()
	require.NoError(t, startOne())
	t.Cleanup(func() {
		_, err := Finalize()
		assert.NoError(t, err)
	})
}

func constants(t *testing.T) map[string]int {
	t.Helper()
	text, err := SharedConstants()
	require.NoError(t, err)
	var c map[string]int
	require.NoError(t, json.Unmarshal([]byte(text), &c))
	return c
}

// local is memory of this process outside the heap, on the Go heap (never a
// stack, which may move), for the local side of a transfer.
func local(n int) []byte { return make([]byte, n) }

func addrOf(b []byte) int64 { return int64(uintptr(unsafe.Pointer(&b[0]))) }

// heapBytes is the heap memory at p as a slice.
func heapBytes(p int64, n int) []byte { return native.View(uintptr(p), uintptr(n)) }

func code(err error) int { return errcode.CodeOf(err) }

func TestNonBlockingTransfersQuietFenceAndBarriers(t *testing.T) {
	onePE(t)
	sym, err := Malloc(4096)
	require.NoError(t, err)
	src := local(4096)
	for i := range src {
		src[i] = byte(i * 7)
	}
	_, err = PutmemNbi(sym, addrOf(src), 4096, 0)
	require.NoError(t, err)
	_, err = Fence()
	require.NoError(t, err)
	_, err = Quiet()
	require.NoError(t, err)
	assert.Equal(t, src, heapBytes(sym, 4096), "complete after quiet")

	dst := local(4096)
	_, err = GetmemNbi(addrOf(dst), sym, 4096, 0)
	require.NoError(t, err)
	_, err = BarrierAll() // completes outstanding transfers too
	require.NoError(t, err)
	assert.Equal(t, src, dst)

	_, err = Barrier(constants(t)["team.World"])
	assert.NoError(t, err)
	_, err = Barrier(12345)
	assert.Equal(t, errcode.InvalidParam, code(err), "no such team")
	_, err = PutmemNbi(sym, addrOf(src), 8, 1)
	assert.Equal(t, errcode.InvalidParam, code(err), "no PE 1")
	_, err = GetmemNbi(-1, sym, 8, 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "not an address")
}

func TestAtomicsFollowCArithmetic(t *testing.T) {
	onePE(t)
	c := constants(t)
	word, err := Malloc(64)
	require.NoError(t, err)
	for _, width := range []int{4, 8} {
		op := func(name string, operand, cond int64) int64 {
			t.Helper()
			old, err := Atomic(c["amo."+name], width, word, operand, cond, 0)
			require.NoError(t, err, "%s width %d", name, width)
			return old
		}
		op("Set", 41, 0)
		assert.EqualValues(t, 41, op("FetchAdd", 1, 0), "width %d", width)
		assert.EqualValues(t, 42, op("Fetch", 0, 0))
		assert.EqualValues(t, 42, op("Swap", -5, 0))
		assert.EqualValues(t, -5, op("CompareSwap", 7, 0), "cond differs: no swap")
		assert.EqualValues(t, -5, op("CompareSwap", 7, -5), "cond equal: swapped")
		op("Add", 3, 0)
		assert.EqualValues(t, 10, op("Fetch", 0, 0))
	}
	// A 32-bit add wraps in 32 bits and leaves the next word alone.
	binary.LittleEndian.PutUint64(heapBytes(word, 8), 0)
	_, err = Atomic(c["amo.Set"], 4, word, math.MaxInt32, 0, 0)
	require.NoError(t, err)
	_, err = Atomic(c["amo.Add"], 4, word, 1, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(1<<31), binary.LittleEndian.Uint64(heapBytes(word, 8)))

	for what, call := range map[string]func() (int64, error){
		"unaligned":     func() (int64, error) { return Atomic(c["amo.Fetch"], 8, word+4, 0, 0, 0) },
		"width 3":       func() (int64, error) { return Atomic(c["amo.Fetch"], 3, word, 0, 0, 0) },
		"unknown op":    func() (int64, error) { return Atomic(99, 8, word, 0, 0, 0) },
		"negative addr": func() (int64, error) { return Atomic(c["amo.Fetch"], 8, -8, 0, 0, 0) },
		"no PE 1":       func() (int64, error) { return Atomic(c["amo.Fetch"], 8, word, 0, 0, 1) },
	} {
		_, err := call()
		assert.Equal(t, errcode.InvalidParam, code(err), what)
	}
}

func TestSignalsSetAddFetchAndWait(t *testing.T) {
	onePE(t)
	c := constants(t)
	sig, err := Malloc(64)
	require.NoError(t, err)
	data, err := Malloc(64)
	require.NoError(t, err)
	msg := local(16)
	copy(msg, "sixteen bytes!!!")
	_, err = PutmemSignal(data, addrOf(msg), 16, sig, 5, c["signal.Set"], 0, 0)
	require.NoError(t, err)
	_, err = PutmemSignal(data, addrOf(msg), 16, sig, 2, c["signal.Add"], 0, 1)
	require.NoError(t, err)
	_, err = Quiet()
	require.NoError(t, err)
	got, err := SignalFetch(sig)
	require.NoError(t, err)
	assert.EqualValues(t, 7, got)
	assert.Equal(t, msg, heapBytes(data, 16))
	got, err = SignalWaitUntil(sig, c["cmp.GE"], 7) // already holds: returns at once
	require.NoError(t, err)
	assert.EqualValues(t, 7, got)

	_, err = SignalFetch(-64)
	assert.Equal(t, errcode.InvalidParam, code(err))
	_, err = SignalWaitUntil(-64, c["cmp.EQ"], 1)
	assert.Equal(t, errcode.InvalidParam, code(err))
	_, err = SignalWaitUntil(sig, 17, 1)
	assert.Equal(t, errcode.InvalidParam, code(err), "no comparison 17")
	_, err = PutmemSignal(data, addrOf(msg), 16, -4, 1, c["signal.Set"], 0, 0)
	assert.Equal(t, errcode.InvalidParam, code(err))
}

func TestCollectivesOfOnePEAreCopies(t *testing.T) {
	onePE(t)
	c := constants(t)
	world := c["team.World"]
	src, err := Malloc(256)
	require.NoError(t, err)
	dst, err := Malloc(256)
	require.NoError(t, err)
	in := heapBytes(src, 256)
	for i := range in {
		in[i] = byte(255 - i)
	}
	clear := func() { copy(heapBytes(dst, 256), make([]byte, 256)) }

	_, err = Broadcast(world, dst, src, 256, 0)
	require.NoError(t, err)
	assert.Equal(t, in, heapBytes(dst, 256), "broadcast")
	clear()
	_, err = Fcollect(world, dst, src, 256)
	require.NoError(t, err)
	assert.Equal(t, in, heapBytes(dst, 256), "fcollect")
	clear()
	_, err = Alltoall(world, dst, src, 256)
	require.NoError(t, err)
	assert.Equal(t, in, heapBytes(dst, 256), "alltoall")

	for i := range 64 {
		binary.LittleEndian.PutUint32(in[4*i:], uint32(int32(i-32)))
	}
	for _, op := range []string{"sum", "prod", "min", "max", "and", "or", "xor"} {
		clear()
		_, err = Reduce(world, dst, src, 64, c["dtype.int32"], c["op."+op])
		require.NoError(t, err, op)
		assert.Equal(t, in, heapBytes(dst, 256), "a reduction over one PE is its input (%s)", op)
	}

	for what, call := range map[string]func() (int, error){
		"root 1":          func() (int, error) { return Broadcast(world, dst, src, 8, 1) },
		"negative dst":    func() (int, error) { return Broadcast(world, -1, src, 8, 0) },
		"negative src":    func() (int, error) { return Fcollect(world, dst, -1, 8) },
		"negative nbytes": func() (int, error) { return Alltoall(world, dst, src, -8) },
		"negative count":  func() (int, error) { return Reduce(world, dst, src, -1, c["dtype.int32"], c["op.sum"]) },
		"no such team":    func() (int, error) { return Reduce(777, dst, src, 1, c["dtype.int32"], c["op.sum"]) },
		"bad op":          func() (int, error) { return Reduce(world, dst, src, 1, c["dtype.int32"], 99) },
		"float xor":       func() (int, error) { return Reduce(world, dst, src, 1, c["dtype.float64"], c["op.xor"]) },
	} {
		_, err := call()
		assert.Equal(t, errcode.InvalidParam, code(err), what)
	}
}

func TestTeamsSplitTranslateAndDestroy(t *testing.T) {
	onePE(t)
	c := constants(t)
	world, invalid := c["team.World"], c["team.Invalid"]
	assert.Equal(t, 1, NPes())
	assert.Equal(t, 0, TeamMyPe(world))

	id, err := TeamSplitStrided(world, 0, 1, 1)
	require.NoError(t, err)
	assert.NotEqual(t, world, id)
	assert.NotEqual(t, invalid, id)
	assert.Equal(t, 0, TeamMyPe(id))
	assert.Equal(t, 1, TeamNPes(id))
	assert.Equal(t, 0, TeamTranslatePe(id, 0, world))
	assert.Equal(t, -1, TeamTranslatePe(id, 1, world), "no rank 1")
	assert.Equal(t, -1, TeamTranslatePe(999, 0, world), "no such team")
	n, err := TeamNumContexts(id)
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = Barrier(id)
	assert.NoError(t, err)
	_, err = Sync(id)
	assert.NoError(t, err)

	packed, err := TeamSplit2d(id, 1)
	require.NoError(t, err)
	x, y := int(int32(packed>>32)), int(int32(packed))
	assert.Equal(t, 1, TeamNPes(x))
	assert.Equal(t, 1, TeamNPes(y))
	assert.NotEqual(t, x, y)
	_, err = TeamSplit2d(id, 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "x_range 0")

	_, err = TeamDestroy(x)
	require.NoError(t, err)
	assert.Equal(t, -1, TeamNPes(x), "destroyed")
	_, err = TeamDestroy(x)
	assert.Equal(t, errcode.InvalidParam, code(err), "destroyed twice")
	_, err = TeamDestroy(world)
	assert.Equal(t, errcode.InvalidParam, code(err), "the world stays")
	_, err = TeamNumContexts(x)
	assert.Equal(t, errcode.InvalidParam, code(err))
	_, err = Sync(x)
	assert.Equal(t, errcode.InvalidParam, code(err))

	bad, err := TeamSplitStrided(world, 0, 1, 2)
	assert.Equal(t, errcode.InvalidParam, code(err), "two PEs of a world of one")
	assert.Equal(t, invalid, bad)
}

func TestTeamAndCollectiveCallsBeforeInit(t *testing.T) {
	id, err := TeamSplitStrided(0, 0, 1, 1)
	assert.Equal(t, errcode.NotInited, code(err))
	assert.Equal(t, constants(t)["team.Invalid"], id)
	for what, call := range map[string]func() error{
		"split 2d":     func() error { _, err := TeamSplit2d(0, 1); return err },
		"destroy":      func() error { _, err := TeamDestroy(1); return err },
		"num contexts": func() error { _, err := TeamNumContexts(0); return err },
		"sync":         func() error { _, err := Sync(0); return err },
		"broadcast":    func() error { _, err := Broadcast(0, 0, 0, 0, 0); return err },
		"atomic":       func() error { _, err := Atomic(0, 8, 1<<20, 0, 0, 0); return err },
		"fetch":        func() error { _, err := SignalFetch(1 << 20); return err },
		"wait":         func() error { _, err := SignalWaitUntil(1<<20, 0, 0); return err },
		"signal put":   func() error { _, err := PutmemSignal(0, 0, 0, 0, 0, 0, 0, 0); return err },
		"quiet":        func() error { _, err := Quiet(); return err },
		"fence":        func() error { _, err := Fence(); return err },
		"barrier":      func() error { _, err := Barrier(0); return err },
		"align":        func() error { _, err := Align(64, 64); return err },
		"mapped":       func() error { _, err := CheckMapped(1<<20, 8); return err },
		"job info":     func() error { _, err := JobInfo(); return err },
		"p2p":          func() error { _, err := P2p(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); return err },
	} {
		assert.Equal(t, errcode.NotInited, code(call()), what)
	}
	assert.Equal(t, -1, NPes())
	assert.Equal(t, -1, TeamMyPe(0))
	assert.Equal(t, -1, TeamTranslatePe(0, 0, 0))
	assert.EqualValues(t, -1, EngineChunk(0))
}

func TestAlignAndMappedRanges(t *testing.T) {
	onePE(t)
	for _, alignment := range []int64{64, 256, 4096, 1 << 16} {
		p, err := Align(alignment, 100)
		require.NoError(t, err)
		assert.Zero(t, p%alignment, "alignment %d", alignment)
		_, err = CheckMapped(p, 100)
		assert.NoError(t, err)
	}
	for _, bad := range []int64{0, 3, 96, -64} {
		p, err := Align(bad, 64)
		assert.Zero(t, p, "alignment %d", bad)
		assert.Equal(t, errcode.InvalidParam, code(err), "alignment %d", bad)
	}
	base := HeapBase(constants(t)["mem.DeviceSide"])
	for what, r := range map[string][2]int64{
		"before the heap": {base - 4096, 8}, "past the heap": {base + 1<<20, 8}, "across the end": {base + 1<<20 - 4, 8},
		"negative": {-1, 8}, "negative size": {base, -1}, "local memory": {addrOf(local(8)), 8},
	} {
		_, err := CheckMapped(r[0], r[1])
		assert.Equal(t, errcode.InvalidParam, code(err), what)
	}
}

func TestPointToPointTestsAndWaitsOnOwnVariables(t *testing.T) {
	onePE(t)
	c := constants(t)
	ivars, err := Malloc(64)
	require.NoError(t, err)
	vars := heapBytes(ivars, 16)
	for i := range 4 {
		binary.LittleEndian.PutUint32(vars[4*i:], uint32(10*i))
	}
	indices := local(8 * 4)
	p2p := func(op string, n int64, cmp string, value int64) (int64, error) {
		return P2p(c["p2p."+op], c["p2p.int32"], ivars, n, addrOf(indices), 0, c["cmp."+cmp], value, 0, 0, 0)
	}
	got, err := p2p("Test", 1, "EQ", 0)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got)
	got, err = p2p("Test", 1, "NE", 0)
	require.NoError(t, err)
	assert.EqualValues(t, 0, got)
	got, err = p2p("TestAll", 4, "GE", 0)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got)
	got, err = p2p("TestAny", 4, "EQ", 20)
	require.NoError(t, err)
	assert.EqualValues(t, 2, got, "the index of the one that holds")
	got, err = p2p("WaitUntilSome", 4, "GT", 5) // holds already: returns at once
	require.NoError(t, err)
	assert.EqualValues(t, 3, got, "10, 20 and 30")
	assert.Equal(t, []uint64{1, 2, 3}, []uint64{binary.LittleEndian.Uint64(indices), binary.LittleEndian.Uint64(indices[8:]),
		binary.LittleEndian.Uint64(indices[16:])}, "their indices")

	_, err = p2p("Test", 1, "EQ", 1<<40)
	assert.Equal(t, errcode.InvalidValue, code(err), "does not fit an int32")
	_, err = p2p("TestAll", 1<<30, "EQ", 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "more variables than the heap holds")
	_, err = P2p(c["p2p.Test"], 99, ivars, 1, 0, 0, c["cmp.EQ"], 0, 0, 0, 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "unknown type")
	_, err = P2p(c["p2p.Test"], c["p2p.int32"], ivars, 1, -1, 0, c["cmp.EQ"], 0, 0, 0, 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "negative indices address")
}

func TestTypedFloatsRoundTrip(t *testing.T) {
	onePE(t)
	p, err := Malloc(64)
	require.NoError(t, err)
	for _, v := range []float64{0, -2.25, 1e300, math.Inf(-1), math.SmallestNonzeroFloat64} {
		_, err = PutFloat(p, v, 8, 0)
		require.NoError(t, err)
		got, err := GetFloat(p, 8, 0)
		require.NoError(t, err)
		assert.Equal(t, v, got)
	}
	_, err = PutFloat(p, 1.1, 4, 0)
	require.NoError(t, err)
	got, err := GetFloat(p, 4, 0)
	require.NoError(t, err)
	assert.Equal(t, float64(float32(1.1)), got, "rounded to float32")
	got, err = GetFloat(p, 4, 0)
	require.NoError(t, err)
	_, err = GetFloat(p, 2, 0)
	assert.Equal(t, errcode.InvalidParam, code(err), "no 2-byte float")
	_, err = GetFloat(p, 8, 3)
	assert.Equal(t, errcode.InvalidParam, code(err), "no PE 3")
	assert.NotZero(t, got)
}

func TestEngineConfigurationSetters(t *testing.T) {
	t.Cleanup(func() { // what the setters keep for the next init: back to the defaults for the other tests
		pendingChunk.Store(0)
		pendingLanes.Store(0)
		pendingQueues.Store(0)
		ubOffset.Store(0)
		ubEvent.Store(0)
	})
	c := constants(t)
	roce, udma, mte := int64(c["engine.ROCE"]), int64(c["engine.UDMA"]), int64(c["engine.MTE"])
	assert.Equal(t, errcode.Success, SetQpNum(udma, 2), "a UDMA job's copy-engine workers")
	assert.Equal(t, errcode.InvalidValue, SetQpNum(mte, 2), "lanes are the network engine's")
	assert.Equal(t, errcode.InvalidValue, SetQpNum(roce, 0))
	assert.Equal(t, errcode.Success, SetQpNum(roce, 1))
	assert.Equal(t, errcode.NotInited, SetUdmaConfig(0, 4096, 0))
	assert.Equal(t, errcode.NotInited, SetSdmaConfig(0, 4096, 0))
	assert.Equal(t, errcode.NotInited, SetRdmaConfig(0, 4096, 0))
	assert.Equal(t, errcode.InvalidValue, SetMteConfig(0, 0, 0))
	assert.Equal(t, errcode.InvalidValue, SetMteConfig(-1, 4096, 0))

	// Before init the chunk size given is the one init will use.
	assert.Equal(t, errcode.NotInited, SetMteConfig(64, 8192, 3))
	assert.EqualValues(t, 64, UbParam(0))
	assert.EqualValues(t, 8192, UbParam(1))
	assert.EqualValues(t, 3, UbParam(2))
	assert.EqualValues(t, -1, UbParam(7))
	onePE(t)
	assert.EqualValues(t, 8192, UbParam(1), "taken by init")
	assert.Equal(t, errcode.InvalidParam, SetQpNum(roce, 2), "not while a job runs")

	assert.Equal(t, errcode.Success, SetSdmaConfig(0, 1<<16, 0))
	assert.EqualValues(t, 1<<16, EngineChunk(0))
	assert.Equal(t, errcode.Success, SetRdmaConfig(0, 1<<17, 0), "kept without a network engine, as Ascend keeps it")
	assert.EqualValues(t, 1<<17, EngineChunk(1))
	assert.Equal(t, errcode.InvalidValue, SetSdmaConfig(0, -5, 0))
	assert.Equal(t, errcode.InvalidValue, SetRdmaConfig(0, 4096, -1))
	assert.Equal(t, errcode.Success, SetMteConfig(0, 1<<20, 0))
	assert.EqualValues(t, 1<<20, UbParam(1))
}

func TestInformationCalls(t *testing.T) {
	assert.Contains(t, InfoName(), "shmem")
	var build map[string]string
	require.NoError(t, json.Unmarshal([]byte(BuildInfo()), &build))
	assert.True(t, strings.HasPrefix(build["go_version"], "go"), build)
	assert.Equal(t, "linux", build["goos"])
	kinds := strings.Split(ProfKinds(), "\n")
	assert.Contains(t, kinds, "put")
	assert.LessOrEqual(t, len(kinds), constants(t)["prof.Rows"])
	assert.Zero(t, SetLogSink(0), "no sink: the runtime logs nowhere")
	assert.Nil(t, sinkLogger())

	onePE(t)
	text, err := JobInfo()
	require.NoError(t, err)
	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &info))
	assert.EqualValues(t, 0, info["rank"])
	assert.EqualValues(t, 1, info["npes"])
	assert.EqualValues(t, 1<<20, info["mem_size"])
}

func TestUniqueIDsDecode(t *testing.T) {
	key := strings.Repeat("ab", 16)
	uid := "shmem-uid-2:tcp://127.0.0.1:29600#" + key
	got, err := UniqueIDAddress(uid + strings.Repeat("\x00", 20))
	require.NoError(t, err)
	assert.Equal(t, "tcp://127.0.0.1:29600", got)
	got, err = UniqueIDKey(uid)
	require.NoError(t, err)
	assert.Equal(t, key, got)
	got, err = UniqueIDAddress("shmem-uid-1:tcp://10.0.0.1:2000")
	require.NoError(t, err)
	assert.Equal(t, "tcp://10.0.0.1:2000", got)
	for _, bad := range []string{"", "shmem-uid-2:tcp://127.0.0.1:29600", "shmem-uid-2:tcp://h:2000#xyz",
		"shmem-uid-3:tcp://h:2000", "shmem-uid-1:tcp://h:80", strings.Repeat("x", 129), "shmem-uid-1:tcp://h\x00:2000"} {
		_, err := UniqueIDKey(bad)
		assert.Equal(t, errcode.InvalidValue, code(err), "%q", bad)
	}
	_, err = CheckIPPort("tcp://127.0.0.1:2000")
	assert.NoError(t, err)
	_, err = CheckIPPort("127.0.0.1:2000")
	assert.Equal(t, errcode.InvalidValue, code(err))
}

func TestTLSConfigurationIsCheckedAndUsedAtInit(t *testing.T) {
	t.Cleanup(func() {
		_, _ = SetConfStoreTLS(0, "")
		tlsState.mu.Lock()
		tlsState.key = nil
		tlsState.mu.Unlock()
	})
	_, err := SetConfStoreTLS(1, "tlsCaFile ca.pem")
	assert.Equal(t, errcode.InvalidValue, code(err), "no colon")
	_, err = SetConfStoreTLSKey("", "x")
	assert.Equal(t, errcode.InvalidValue, code(err))
	_, err = SetConfStoreTLSKey("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----", "")
	assert.Equal(t, errcode.InvalidValue, code(err))
	assert.Zero(t, SetDecryptHandler(0))

	dir := t.TempDir()
	_, err = SetConfStoreTLSKey(dir+"/missing.key", "")
	require.NoError(t, err)
	_, err = SetConfStoreTLS(1, "tlsCaFile: "+dir+"/ca.pem; tlsCert: "+dir+"/pe.pem")
	require.NoError(t, err, "the key comes from set_conf_store_tls_key")
	// The files are read at init: missing ones fail it with the bootstrap error, and nothing is left started.
	err = startOne()
	assert.Equal(t, errcode.BootstrapError, code(err), "%v", err)
	assert.Equal(t, StatusNotInitialized, InitStatus())

	_, err = SetConfStoreTLS(0, "ignored when off")
	require.NoError(t, err)
	onePE(t) // plain TCP again
	assert.Equal(t, StatusInitialized, InitStatus())
}

func TestWatchSignalsRaisesAnInterruptAndForwardsTheBytes(t *testing.T) {
	_, err := WatchSignals(-1, 0)
	assert.Error(t, err, "not a descriptor")

	var wake, fwd [2]int
	require.NoError(t, syscall.Pipe(wake[:]))
	require.NoError(t, syscall.Pipe(fwd[:]))
	t.Cleanup(func() {
		for _, fd := range []int{wake[1], fwd[0], fwd[1]} {
			_ = syscall.Close(fd)
		}
	})
	before := interrupt.Epoch()
	_, err = WatchSignals(wake[0], fwd[1]) // the watcher owns the read end from here
	require.NoError(t, err)
	_, err = syscall.Write(wake[1], []byte{byte(syscall.SIGINT)})
	require.NoError(t, err)
	got := make([]byte, 1)
	n, err := syscall.Read(fwd[0], got) // blocks until the watcher forwarded the byte
	require.NoError(t, err)
	assert.Equal(t, []byte{byte(syscall.SIGINT)}, got[:n], "forwarded to Python's own wakeup fd")
	assert.Greater(t, interrupt.Epoch(), before, "and raised as an interrupt of the runtime")
}

func TestGlobalExitBeforeInitExitsThisProcessOnly(t *testing.T) {
	saved := exitProcess
	t.Cleanup(func() { exitProcess = saved; exitingAny.Store(false) }) // the process "exited": later tests start afresh
	var got []int
	exitProcess = func(status int) { got = append(got, status) }
	GlobalExit(3)
	assert.Equal(t, []int{3}, got)
}

// A stream runs its operations in order on a worker: a wait queued before a
// signal that satisfies it holds back what follows until the signal lands.
func TestStreamSignalsWaitsAndBarriersRunInOrder(t *testing.T) {
	onePE(t)
	c := constants(t)
	sig, err := Malloc(64)
	require.NoError(t, err)
	data, err := Malloc(64)
	require.NoError(t, err)
	waiter, err := StreamCreate()
	require.NoError(t, err)
	signaller, err := StreamCreate()
	require.NoError(t, err)
	defer StreamDestroy(waiter)
	defer StreamDestroy(signaller)

	// The waiter's stream: wait for 2, then put; nothing signals yet, so both stay queued.
	_, err = SignalWaitUntilOnStream(sig, c["cmp.EQ"], 2, waiter)
	require.NoError(t, err)
	msg := local(8)
	copy(msg, "in order")
	_, err = PutmemOnStream(data, addrOf(msg), 8, 0, waiter)
	require.NoError(t, err)
	done, err := StreamSync(waiter, 50)
	require.NoError(t, err)
	assert.Zero(t, done, "still waiting for the signal")
	pending, err := StreamPending(waiter)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, pending, 1, "the put waits behind the wait")
	assert.Equal(t, make([]byte, 8), heapBytes(data, 8))

	_, err = SignalOpOnStream(sig, 1, c["signal.Set"], 0, signaller)
	require.NoError(t, err)
	_, err = SignalOpOnStream(sig, 1, c["signal.Add"], 0, signaller)
	require.NoError(t, err)
	_, err = BarrierOnStream(c["team.World"], signaller)
	require.NoError(t, err)
	done, err = StreamDrain(-1)
	require.NoError(t, err)
	assert.Equal(t, 1, done, "every stream ran dry")
	done, err = StreamSync(waiter, -1)
	require.NoError(t, err)
	assert.Equal(t, 1, done)
	got, err := SignalFetch(sig)
	require.NoError(t, err)
	assert.EqualValues(t, 2, got)
	assert.Equal(t, msg, heapBytes(data, 8))

	for what, call := range map[string]func() error{
		"signal op 2":        func() error { _, err := SignalOpOnStream(sig, 1, 2, 0, waiter); return err },
		"negative sig":       func() error { _, err := SignalOpOnStream(-4, 1, 0, 0, waiter); return err },
		"unaligned sig":      func() error { _, err := SignalOpOnStream(sig+2, 1, 0, 0, waiter); return err },
		"wait cmp 9":         func() error { _, err := SignalWaitUntilOnStream(sig, 9, 1, waiter); return err },
		"wait negative sig":  func() error { _, err := SignalWaitUntilOnStream(-4, 0, 1, waiter); return err },
		"barrier of no team": func() error { _, err := BarrierOnStream(4321, waiter); return err },
		"no such stream":     func() error { _, err := StreamPending(987654); return err },
		"get from no PE 1":   func() error { _, err := GetmemOnStream(addrOf(msg), data, 8, 1, waiter); return err },
	} {
		assert.Equal(t, errcode.InvalidParam, code(call()), what)
	}
	_, err = SignalOpOnStream(sig, 1<<40, 0, 0, waiter)
	assert.Equal(t, errcode.InvalidValue, code(err), "beyond the 32-bit word")
	_, err = SignalWaitUntilOnStream(sig, 0, -1<<40, waiter)
	assert.Equal(t, errcode.InvalidValue, code(err), "beyond the 32-bit word")
}
