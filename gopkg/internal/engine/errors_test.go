package engine

import (
	"fmt"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

// callKind is one of the four data calls, so every check is made on each.
type callKind struct {
	name string
	call func(tr Transport, pe int, off, local, n uintptr) error
}

var dataCalls = []callKind{
	{"Put", func(tr Transport, pe int, off, local, n uintptr) error { return tr.Put(pe, off, local, n) }},
	{"Get", func(tr Transport, pe int, off, local, n uintptr) error { return tr.Get(local, pe, off, n) }},
	{"PutNBI", func(tr Transport, pe int, off, local, n uintptr) error { return tr.PutNBI(pe, off, local, n) }},
	{"GetNBI", func(tr Transport, pe int, off, local, n uintptr) error { return tr.GetNBI(local, pe, off, n) }},
}

// callAndQuiet runs a call and, for NBI, Quiet: an error of either counts.
func callAndQuiet(tr Transport, c callKind, pe int, off, local, n uintptr) error {
	if err := c.call(tr, pe, off, local, n); err != nil {
		return err
	}
	return tr.Quiet()
}

func TestArgumentErrors(t *testing.T) {
	const heap = 1 << 20
	h := mmapHeaps(t, 4, heap)
	cfg := h.config()
	cfg.Bases[3] = 0
	local := addrOf(mmapBytes(t, heap))
	huge := ^uintptr(0)
	cases := []struct {
		name  string
		pe    int
		off   uintptr
		local uintptr
		n     uintptr
		code  int
		text  string
	}{
		{"PE too big", 7, 0, local, 8, errcode.InvalidParam, "PE 7 does not exist (4 PEs)"},
		{"PE negative", -1, 0, local, 8, errcode.InvalidParam, "PE -1 does not exist (4 PEs)"},
		{"PE not mapped", 3, 0, local, 8, errcode.NotSupported, "PE 3 is not load/store reachable"},
		{"range past heap", 1, heap - 4, local, 8, errcode.InvalidParam, "outside PE 1's symmetric heap of 1048576 bytes"},
		{"offset past heap", 1, heap, local, 1, errcode.InvalidParam, "[0x100000, 0x100000 + 1 bytes)"},
		{"n past heap", 1, 0, local, heap + 1, errcode.InvalidParam, "outside PE 1's symmetric heap"},
		{"off+n overflows", 1, huge, local, 2, errcode.InvalidParam, "outside PE 1's symmetric heap"},
		{"n overflows", 1, 2, local, huge, errcode.InvalidParam, "outside PE 1's symmetric heap"},
		{"local NULL", 1, 0, 0, 8, errcode.InvalidParam, "local address 0x0 is not"},
		{"local wraps", 1, 0, huge - 2, 8, errcode.InvalidParam, "wraps around the address space"},
	}
	for _, kind := range engineKinds {
		tr := openEngine(t, kind, cfg)
		for _, c := range cases {
			for _, call := range dataCalls {
				t.Run(fmt.Sprintf("%s/%s/%s", kind.name, c.name, call.name), func(t *testing.T) {
					requireCode(t, call.call(tr, c.pe, c.off, c.local, c.n), c.code, c.text)
					// A rejected call leaves nothing for Quiet.
					require.NoError(t, tr.Quiet())
					// n == 0 does nothing, whatever else is wrong.
					require.NoError(t, call.call(tr, c.pe, c.off, c.local, 0))
				})
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, kind := range engineKinds {
		for _, c := range []struct {
			cfg  Config
			text string
		}{
			{Config{HeapSize: 1}, "no PEs"},
			{Config{Bases: []uintptr{1 << 20}}, "heap size of 0"},
			{Config{Bases: []uintptr{8}, HeapSize: 1}, "PE 0's heap at 0x8"},
			{Config{Bases: []uintptr{0, ^uintptr(0) - 10}, HeapSize: 100}, "PE 1's heap"},
			{Config{Bases: []uintptr{1 << 20}, HeapSize: 1, Workers: -1}, "workers -1"},
			{Config{Bases: []uintptr{1 << 20}, HeapSize: 1, Workers: maxWorkers + 1}, "workers 257"},
		} {
			tr, err := kind.open(c.cfg)
			require.Nil(t, tr)
			requireCode(t, err, errcode.InvalidParam, c.text)
		}
	}
}

func TestConfigDefaultsAndCopy(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<16)
	for _, kind := range engineKinds {
		cfg := h.config()
		tr := openEngine(t, kind, cfg)
		require.Equal(t, DefaultChunkSize, tr.ChunkSize())
		requireCode(t, tr.SetChunkSize(0), errcode.InvalidValue, "chunk size")
		require.NoError(t, tr.SetChunkSize(12345))
		require.Equal(t, uintptr(12345), tr.ChunkSize())
		// The engine keeps its own copy of Bases.
		cfg.Bases[1] = 0
		src := []byte("kept")
		require.NoError(t, tr.Put(1, 0, addrOf(src), 4))
		require.Equal(t, src, h.at(1, 0, 4))
	}
	e, err := NewCopyEngine(h.config())
	require.NoError(t, err)
	require.Len(t, e.(*copyEngine).copied, DefaultWorkers)
	require.NoError(t, e.Close())
}
