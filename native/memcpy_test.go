package native

import (
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// alignedBuffer returns n bytes whose first byte sits offset bytes past a
// 64-byte boundary, and its address.
func alignedBuffer(n, offset uintptr) ([]byte, uintptr) {
	raw := make([]byte, n+128)
	addr := uintptr(unsafe.Pointer(&raw[0]))
	skip := (64-addr%64)%64 + offset
	return raw[skip : skip+n], addr + skip
}

func TestMemcpy(t *testing.T) {
	for _, n := range []uintptr{0, 1, 7, 64, 4095, 1 << 20} {
		for _, off := range []uintptr{0, 1, 15} {
			src, srcAddr := alignedBuffer(n, 0)
			dst, dstAddr := alignedBuffer(n+2, off)
			for i := range src {
				src[i] = byte(i*7 + 1)
			}
			Memcpy(dstAddr+1, srcAddr, n)
			assert.Equal(t, src, dst[1:n+1], "n=%d off=%d", n, off)
			assert.Zero(t, dst[0], "byte before the copy")
			assert.Zero(t, dst[n+1], "byte after the copy")
		}
	}
}

func TestView(t *testing.T) {
	buf, addr := alignedBuffer(100, 0)
	v := View(addr, 100)
	v[99] = 1
	assert.Equal(t, byte(1), buf[99])
	assert.Len(t, v, 100)
	assert.Nil(t, View(0, 10))
	assert.Nil(t, View(addr, 0))
}

// BenchmarkCopy compares Go's copy on slices over raw addresses (what an
// engine does with a mapped heap) with C memcpy, for destinations aligned
// like the source modulo 64 and 1, 8 and 15 bytes off.
func BenchmarkCopy(b *testing.B) {
	sizes := []uintptr{8, 64, 512, 4 << 10, 64 << 10, 1 << 20, 16 << 20}
	for _, n := range sizes {
		for _, off := range []uintptr{0, 1, 8, 15} {
			srcBuf, srcAddr := alignedBuffer(n, 0)
			dstBuf, dstAddr := alignedBuffer(n, off)
			src, dst := View(srcAddr, n), View(dstAddr, n)
			name := fmt.Sprintf("%s/off=%d", sizeName(n), off)
			b.Run("go/"+name, func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					copy(dst, src)
				}
			})
			b.Run("memcpy/"+name, func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					Memcpy(dstAddr, srcAddr, n)
				}
			})
			// The views hold only addresses: keep the Go buffers alive.
			runtime.KeepAlive(srcBuf)
			runtime.KeepAlive(dstBuf)
		}
	}
}

func sizeName(n uintptr) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
