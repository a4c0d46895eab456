package engine

import (
	"fmt"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
)

const (
	faultHeap  = 1 << 20
	faultChunk = 64 << 10
)

// faultSizes: copied inline by every engine, and queued in several chunks on
// the copy engine.
var faultSizes = []uintptr{64, 4 * faultChunk}

func faultEngine(t *testing.T, kind engineKind, bases []uintptr) Transport {
	return openEngine(t, kind, Config{Bases: bases, HeapSize: faultHeap, ChunkSize: faultChunk})
}

func TestLocalFaultsAreErrors(t *testing.T) {
	h := mmapHeaps(t, 2, faultHeap)
	noAccess := noAccessAddress(t, faultHeap)
	readOnly := addrOf(readOnlyBytes(t, faultHeap))
	unmapped := unmappedAddress(t, faultHeap)
	puts := []callKind{dataCalls[0], dataCalls[2]}
	gets := []callKind{dataCalls[1], dataCalls[3]}
	type local struct {
		name  string
		addr  uintptr
		calls []callKind
		text  string
	}
	locals := []local{
		{"address 8 read", 8, puts, "local address 0x8 is not readable"},
		{"address 8 write", 8, gets, "local address 0x8 is not writable"},
		{"unmapped read", unmapped, puts, fmt.Sprintf("local address %#x is not readable", unmapped)},
		{"no-access read", noAccess, puts, fmt.Sprintf("local address %#x is not readable", noAccess)},
		{"no-access write", noAccess + 3, gets, fmt.Sprintf("local address %#x is not writable", noAccess+3)},
		{"read-only write", readOnly, gets, fmt.Sprintf("local address %#x is not writable", readOnly)},
	}
	// With trusted heaps a large copy probes only the user's side: it must
	// still catch every bad local buffer.
	for _, cfg := range []struct {
		kind  engineKind
		trust bool
	}{{engineKinds[0], false}, {engineKinds[1], false}, {engineKinds[0], true}, {engineKinds[1], true}} {
		kind := cfg.kind
		tr := openEngine(t, kind, Config{Bases: h.bases, HeapSize: faultHeap, ChunkSize: faultChunk, TrustHeaps: cfg.trust})
		for _, l := range locals {
			for _, call := range l.calls {
				for _, n := range faultSizes {
					t.Run(fmt.Sprintf("%s/trust=%v/%s/%s/%d", kind.name, cfg.trust, l.name, call.name, n), func(t *testing.T) {
						requireCode(t, callAndQuiet(tr, call, 1, 0, l.addr, n), errcode.InvalidParam, l.text)
						// The error was reported once; the engine still works.
						require.NoError(t, tr.Quiet())
						src := []byte("alive")
						require.NoError(t, tr.Put(1, 0, addrOf(src), 5))
						require.Equal(t, src, h.at(1, 0, 5))
					})
				}
			}
		}
		// A read-only page is a fine source.
		require.NoError(t, tr.Put(1, 0, readOnly, faultSizes[1]))
	}
}

// TestRemoteFaultsAreErrors: a peer's segment that is no longer accessible
// (its mapping gone bad) is a SmemError naming the PE, not a crash.
func TestRemoteFaultsAreErrors(t *testing.T) {
	h := mmapHeaps(t, 1, faultHeap)
	bases := []uintptr{h.bases[0], noAccessAddress(t, faultHeap)}
	local := addrOf(mmapBytes(t, faultHeap))
	for _, kind := range engineKinds {
		tr := faultEngine(t, kind, bases)
		for _, call := range dataCalls {
			for _, n := range faultSizes {
				t.Run(fmt.Sprintf("%s/%s/%d", kind.name, call.name, n), func(t *testing.T) {
					err := callAndQuiet(tr, call, 1, 0x1000, local, n)
					requireCode(t, err, errcode.SmemError, "PE 1's heap is not accessible at offset 0x")
					if n < faultChunk {
						require.Contains(t, err.Error(), "offset 0x1000")
					}
					require.NoError(t, tr.Quiet())
				})
			}
		}
	}
}

// TestFaultFlagRestored: the caller's own setting survives an inline copy.
func TestFaultFlagRestored(t *testing.T) {
	h := mmapHeaps(t, 1, faultHeap)
	tr := faultEngine(t, engineKinds[0], h.bases)
	src := []byte{1}
	require.False(t, setPanicOnFault())
	restorePanicOnFault(false)
	require.NoError(t, tr.Put(0, 0, addrOf(src), 1))
	require.Error(t, tr.Put(0, 0, 8, 1))
	require.False(t, setPanicOnFault(), "copy left the fault flag set")
	restorePanicOnFault(false)
}

func TestNBIFaultSurfacesAtQuietOnce(t *testing.T) {
	h := mmapHeaps(t, 2, faultHeap)
	tr := faultEngine(t, engineKinds[1], h.bases)
	n := faultSizes[1]
	require.NoError(t, tr.PutNBI(1, 0, 8, n), "a queued NBI put reports its fault later")
	good := addrOf(mmapBytes(t, n))
	require.NoError(t, tr.PutNBI(1, n, good, n))
	// Fence completes it but leaves the error for Quiet.
	require.NoError(t, tr.Fence())
	requireCode(t, tr.Quiet(), errcode.InvalidParam, "local address 0x8 is not readable")
	require.NoError(t, tr.Quiet())

	// A blocking large call reports its own fault and leaves none for Quiet.
	requireCode(t, tr.Get(8, 1, 0, n), errcode.InvalidParam, "local address 0x8 is not writable")
	require.NoError(t, tr.Quiet())

	// Close reports the fault nobody collected.
	require.NoError(t, tr.GetNBI(8, 1, 0, n))
	requireCode(t, tr.Close(), errcode.InvalidParam, "local address 0x8 is not writable")
	require.NoError(t, tr.Close())
}
