package engine

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	pairPEs   = 4
	maxSize   = 16 << 20
	localOff  = 3          // unaligned source inside the caller's heap
	remoteOff = 18<<20 + 5 // unaligned target, clear of the source on the same PE
	pairHeap  = remoteOff + maxSize + 64
	guardByte = byte(0xA5)
)

// transferSizes covers single bytes, words, the inline limit's edges, chunk
// edges and multi-chunk odd sizes up to 16 MiB.
var transferSizes = []uintptr{
	1, 2, 7, 8, 63, 4095, InlineLimit, InlineLimit + 1, 65537,
	1<<20 - 1, 1 << 20, 1<<20 + 3, 3<<20 + 5, maxSize - 1, maxSize,
}

// pairCase is one transfer from PE "self" (whose heap holds the local buffer,
// as for a symmetric source) to or from PE peer.
type pairCase struct {
	h        *simHeaps
	tr       Transport
	pattern  []byte
	getLocal []byte // local buffer outside every heap, for gets
}

func TestAllPairsAllSizes(t *testing.T) {
	h := mmapHeaps(t, pairPEs, pairHeap)
	pattern := randomBytes(maxSize+4096, 1)
	getLocal := mmapBytes(t, maxSize+64)
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			c := pairCase{h: h, tr: openEngine(t, kind, h.config()), pattern: pattern, getLocal: getLocal}
			for _, n := range transferSizes {
				for self := range pairPEs {
					for peer := range pairPEs {
						nbi := (int(n)+self+peer)%2 == 1
						c.check(t, self, peer, n, nbi)
					}
				}
			}
			require.NoError(t, c.tr.Quiet())
		})
	}
}

// check puts n bytes to peer and gets them back, byte for byte, with guard
// bytes on both sides of each destination.
func (c *pairCase) check(t *testing.T, self, peer int, n uintptr, nbi bool) {
	what := fmt.Sprintf("PE %d -> PE %d, %d bytes, nbi=%v", self, peer, n, nbi)
	shift := uintptr(self*pairPEs+peer) * 97 % 4096
	want := c.pattern[shift : shift+n]
	src := c.h.at(self, localOff, n)
	copy(src, want)

	target := c.h.at(peer, remoteOff-1, n+2)
	target[0], target[n+1] = guardByte, guardByte
	if nbi {
		require.NoError(t, c.tr.PutNBI(peer, remoteOff, addrOf(src), n), what)
		require.NoError(t, c.tr.Quiet(), what)
	} else {
		require.NoError(t, c.tr.Put(peer, remoteOff, addrOf(src), n), what)
	}
	require.True(t, bytes.Equal(want, target[1:n+1]), "put %s: data differs", what)
	require.Equal(t, []byte{guardByte, guardByte}, []byte{target[0], target[n+1]}, "put %s wrote outside", what)

	dst := c.getLocal[5 : 5+n+2]
	clear(dst[1 : n+1])
	dst[0], dst[n+1] = guardByte, guardByte
	if nbi {
		require.NoError(t, c.tr.GetNBI(addrOf(dst[1:]), peer, remoteOff, n), what)
		require.NoError(t, c.tr.Quiet(), what)
	} else {
		require.NoError(t, c.tr.Get(addrOf(dst[1:]), peer, remoteOff, n), what)
	}
	require.True(t, bytes.Equal(want, dst[1:n+1]), "get %s: data differs", what)
	require.Equal(t, []byte{guardByte, guardByte}, []byte{dst[0], dst[n+1]}, "get %s wrote outside", what)
}

// TestGoAllocatedHeaps runs the pairs over Go memory, so that -race (and its
// checkptr) watch the copies and the hand-over from workers to callers.
func TestGoAllocatedHeaps(t *testing.T) {
	const size = 1<<20 + 3
	h := goHeaps(t, pairPEs, 2*size+16)
	pattern := randomBytes(size+4096, 2)
	local := make([]byte, size+16)
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			tr := openEngine(t, kind, h.config())
			require.NoError(t, tr.SetChunkSize(64<<10+1))
			for _, n := range []uintptr{1, 13, InlineLimit + 7, size} {
				for peer := range pairPEs {
					want := pattern[uintptr(peer)*31 : uintptr(peer)*31+n]
					require.NoError(t, tr.PutNBI(peer, size+7, addrOf(want), n))
					require.NoError(t, tr.Quiet())
					require.True(t, bytes.Equal(want, h.at(peer, size+7, n)))
					require.NoError(t, tr.Get(addrOf(local[1:]), peer, size+7, n))
					require.True(t, bytes.Equal(want, local[1:1+n]))
				}
			}
		})
	}
}

// TestSmallChunksSplitOddly checks chunk arithmetic where the last piece is short.
func TestSmallChunksSplitOddly(t *testing.T) {
	h := mmapHeaps(t, 2, 1<<20)
	pattern := randomBytes(1<<20, 3)
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			tr := openEngine(t, kind, Config{Bases: h.bases, HeapSize: h.size, ChunkSize: 4099, Workers: 3})
			require.Equal(t, uintptr(4099), tr.ChunkSize())
			for _, n := range []uintptr{4099*5 + 1, 4099 * 7, 1<<20 - 1} {
				clear(h.mem[1])
				require.NoError(t, tr.Put(1, 1, addrOf(pattern), n))
				require.True(t, bytes.Equal(pattern[:n], h.at(1, 1, n)))
				require.Zero(t, h.mem[1][0])
				if n+1 < h.size {
					require.Zero(t, h.mem[1][n+1])
				}
			}
		})
	}
}
