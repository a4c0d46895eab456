package netengine

import (
	"fmt"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// partlyAccessible maps total bytes of which only the first good ones can
// be read and written.
func partlyAccessible(t testing.TB, good, total uintptr) uintptr {
	m, err := unix.Mmap(-1, 0, int(total), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, unix.Munmap(m)) })
	require.NoError(t, unix.Mprotect(m[good:], unix.PROT_NONE))
	return addrOf(m)
}

func TestBadPutSourcesAreErrors(t *testing.T) {
	nodes := cluster(t, 2, 1<<20, nil)
	e := nodes[0].eng
	noAccess := protectedBytes(t, 1<<20, unix.PROT_NONE)
	half := partlyAccessible(t, pageSize, 2*pageSize)
	cases := []struct {
		addr, n uintptr
	}{{8, 8}, {0, 100}, {noAccess, 8}, {noAccess + 5, 200 << 10}, {half, 2 * pageSize}, {half + pageSize - 1, 2}}
	for _, c := range cases {
		text := fmt.Sprintf("local address %#x is not readable", c.addr)
		requireCode(t, e.Put(1, 0, c.addr, c.n), errcode.InvalidParam, text)
		requireCode(t, e.PutNBI(1, 0, c.addr, c.n), errcode.InvalidParam, text)
	}
	requireCode(t, e.Put(1, 0, ^uintptr(0)-10, 100), errcode.InvalidParam, "wraps around")
	require.NoError(t, e.Quiet())
	require.Equal(t, make([]byte, 1<<20), nodes[1].heap, "nothing was sent")
	// The half that is readable is a fine source on its own.
	require.NoError(t, e.Put(1, 0, half, pageSize))
}

// TestBadGetDestinationsAreErrors: get data that cannot be written where
// the caller asked becomes an error for that get, and the connection stays
// in step: the next get returns the right bytes. Small pieces are copied
// out of the read buffer (a fault), large ones read straight into the
// destination (EFAULT); with TLS every piece is copied (a fault).
func TestBadGetDestinationsAreErrors(t *testing.T) {
	pki := newTestPKI(t)
	for _, kind := range []struct {
		name  string
		tweak func(*Config)
	}{{"tcp", nil}, {"tls", pki.tweak}} {
		t.Run(kind.name, func(t *testing.T) {
			nodes := cluster(t, 2, 4<<20, kind.tweak)
			e := nodes[0].eng
			copy(nodes[1].heap, randomBytes(4<<20, 9))
			noAccess := protectedBytes(t, 4<<20, unix.PROT_NONE)
			readOnly := protectedBytes(t, 4<<20, unix.PROT_READ)
			half := partlyAccessible(t, pageSize, 2*pageSize)
			// Bad from the middle of the second 1 MiB piece: the read
			// system call straight into it stops there (EFAULT, on TCP).
			midway := partlyAccessible(t, 3<<19, 4<<20)
			cases := []struct {
				addr, n uintptr
			}{{8, 8}, {noAccess, 8}, {noAccess, 1000}, {noAccess + 3, 3 << 20}, {readOnly, 100}, {readOnly, 3 << 20},
				{half, 2 * pageSize}, {midway, 3 << 20}}
			for _, c := range cases {
				text := fmt.Sprintf("local address %#x is not writable", c.addr)
				requireCode(t, e.Get(c.addr, 1, 64, c.n), errcode.InvalidParam, text)
				if c.addr < minLocalAddress {
					// Never memory: refused before anything is queued.
					requireCode(t, e.GetNBI(c.addr, 1, 64, c.n), errcode.InvalidParam, text)
				} else {
					require.NoError(t, e.GetNBI(c.addr, 1, 64, c.n))
					requireCode(t, e.Quiet(), errcode.InvalidParam, text)
				}
				require.NoError(t, e.Quiet(), "reported once")

				dst := mmapBytes(t, 300<<10)
				require.NoError(t, e.Get(addrOf(dst), 1, 1000, 300<<10))
				require.Equal(t, nodes[1].at(1000, 300<<10), dst, "after a get into %#x + %d", c.addr, c.n)
			}
		})
	}
}
