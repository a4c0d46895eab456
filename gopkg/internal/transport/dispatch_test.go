package transport_test

import (
	"errors"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/liveness"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a Transport that records which PEs it was asked about and
// answers with err.
type recorder struct {
	calls  []string
	pes    []int
	err    error
	chunk  uintptr
	closed int
}

func (r *recorder) note(call string, pe int) error {
	r.calls, r.pes = append(r.calls, call), append(r.pes, pe)
	return r.err
}
func (r *recorder) Put(pe int, _, _, _ uintptr) error         { return r.note("Put", pe) }
func (r *recorder) Get(_ uintptr, pe int, _, _ uintptr) error { return r.note("Get", pe) }
func (r *recorder) PutNBI(pe int, _, _, _ uintptr) error      { return r.note("PutNBI", pe) }
func (r *recorder) GetNBI(_ uintptr, pe int, _, _ uintptr) error {
	return r.note("GetNBI", pe)
}
func (r *recorder) PutSignal(pe int, _, _, _ uintptr, _ transport.Signal, _ bool) error {
	return r.note("PutSignal", pe)
}
func (r *recorder) Atomic(pe, _, _ int, _ uintptr, _, _ int64) (int64, error) {
	return int64(pe), r.note("Atomic", pe)
}
func (r *recorder) Quiet() error                 { return r.note("Quiet", -1) }
func (r *recorder) Fence() error                 { return r.note("Fence", -1) }
func (r *recorder) SetChunkSize(n uintptr) error { r.chunk = n; return r.err }
func (r *recorder) ChunkSize() uintptr           { return r.chunk }
func (r *recorder) Close() error                 { r.closed++; return r.err }

func table(t *testing.T, bases []uintptr, live *liveness.Set) *transport.Table {
	tb, err := transport.NewTable(transport.TableConfig{Bases: bases, HeapSize: 1 << 20, Live: live})
	require.NoError(t, err)
	return tb
}

// Every data call, atomics and signals included, goes where the table says,
// and only there; completion and close reach both engines.
func TestRouterSendsEveryCallWhereTheTableSays(t *testing.T) {
	live := liveness.New(4)
	tb := table(t, []uintptr{1 << 20, 0, 3 << 20, 0}, live)
	local, net := &recorder{}, &recorder{}
	r := transport.NewRouter(tb, local, net)
	for pe := range 4 {
		require.NoError(t, r.Put(pe, 0, 0, 8))
		require.NoError(t, r.Get(0, pe, 0, 8))
		require.NoError(t, r.PutNBI(pe, 0, 0, 8))
		require.NoError(t, r.GetNBI(0, pe, 0, 8))
		require.NoError(t, r.PutSignal(pe, 0, 0, 8, transport.Signal{}, false))
		_, err := r.Atomic(pe, 0, 8, 0, 0, 0)
		require.NoError(t, err)
	}
	each := func(pes ...int) []int {
		var out []int
		for _, pe := range pes {
			out = append(out, pe, pe, pe, pe, pe, pe)
		}
		return out
	}
	assert.Equal(t, each(0, 2), local.pes)
	assert.Equal(t, each(1, 3), net.pes)

	// PEs that are no PEs of the job are the local engine's to refuse.
	local.pes, net.pes = nil, nil
	_ = r.Put(-1, 0, 0, 8)
	_ = r.Put(4, 0, 0, 8)
	assert.Equal(t, []int{-1, 4}, local.pes)
	assert.Empty(t, net.pes)

	// A dead remote PE is refused before the network engine is asked.
	live.MarkDead(3)
	local.pes, net.pes = nil, nil
	err := r.Put(3, 0, 0, 8)
	require.Equal(t, errcode.BootstrapError, errcode.CodeOf(err))
	_, err = r.Atomic(3, 0, 8, 0, 0, 0)
	require.Equal(t, errcode.BootstrapError, errcode.CodeOf(err))
	assert.Empty(t, net.pes)

	require.NoError(t, r.Quiet())
	require.NoError(t, r.Fence())
	assert.Equal(t, []string{"Quiet", "Fence"}, local.calls[len(local.calls)-2:])
	assert.Equal(t, []string{"Quiet", "Fence"}, net.calls[len(net.calls)-2:])

	require.NoError(t, r.SetChunkSize(4096))
	assert.Equal(t, uintptr(4096), local.chunk)
	assert.Equal(t, uintptr(4096), net.chunk)
	assert.Equal(t, uintptr(4096), r.ChunkSize())
	require.NoError(t, r.Close())
	assert.Equal(t, 1, local.closed)
	assert.Equal(t, 1, net.closed)

	router := r.(*transport.Router)
	assert.Same(t, local, router.Local())
	assert.Same(t, net, router.Net())
}

// Quiet and Close report both engines' failures, neither hiding the other.
func TestRouterJoinsBothEnginesErrors(t *testing.T) {
	tb := table(t, []uintptr{1 << 20, 0}, nil)
	e1 := errcode.New(errcode.SmemError, "local lost a transfer")
	e2 := errcode.New(errcode.BootstrapError, "network lost a transfer")
	r := transport.NewRouter(tb, &recorder{err: e1}, &recorder{err: e2})
	for _, err := range []error{r.Quiet(), r.Fence(), r.Close(), r.SetChunkSize(8)} {
		assert.True(t, errors.Is(err, e1) && errors.Is(err, e2), "%v", err)
	}
}
