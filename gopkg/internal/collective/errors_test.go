package collective

import (
	"math"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// alone is one member of a team of two whose partner never comes: a call
// that reached a barrier would hang, so the checks below prove that bad
// arguments are refused before any barrier.
func alone(t *testing.T) (*fakeTeam, *fakeComm) {
	team := newFakeTeam(2, 4096, reachModes[0].reach)
	return team, &fakeComm{t: team, rank: 0}
}

func TestBadArgumentsFailBeforeAnyBarrier(t *testing.T) {
	team, c := alone(t)
	at := func(off uintptr) uintptr { return team.sym(0, off) }
	cases := []struct {
		name string
		call func() error
	}{
		{"dtype 0", func() error { return Reduce(c, at(0), at(64), 1, 0, Sum) }},
		{"dtype 11", func() error { return Reduce(c, at(0), at(64), 1, dtypeEnd, Sum) }},
		{"dtype -1", func() error { return Reduce(c, at(0), at(64), 1, -1, Sum) }},
		{"op -1", func() error { return Reduce(c, at(0), at(64), 1, Int32, -1) }},
		{"op 7", func() error { return Reduce(c, at(0), at(64), 1, Int32, opEnd) }},
		{"and float32", func() error { return Reduce(c, at(0), at(64), 1, Float32, And) }},
		{"or float64", func() error { return Reduce(c, at(0), at(64), 1, Float64, Or) }},
		{"xor float64", func() error { return Reduce(c, at(0), at(64), 1, Float64, Xor) }},
		{"misaligned dst", func() error { return Reduce(c, at(2), at(64), 4, Int32, Sum) }},
		{"misaligned src", func() error { return Reduce(c, at(0), at(65), 4, Int16, Sum) }},
		{"dst past the heap", func() error { return Reduce(c, at(4000), at(0), 100, Int64, Sum) }},
		{"src before the heap", func() error { return Reduce(c, at(0), at(0)-64, 1, Int64, Sum) }},
		{"count overflows", func() error { return Reduce(c, at(0), at(64), math.MaxUint64/4, Int64, Sum) }},
		{"root -1", func() error { return Broadcast(c, at(0), at(64), 8, -1) }},
		{"root = size", func() error { return Broadcast(c, at(0), at(64), 8, 2) }},
		{"broadcast src outside", func() error { return Broadcast(c, at(0), 8, 8, 0) }},
		{"broadcast dst past the heap", func() error { return Broadcast(c, at(4090), at(0), 8, 0) }},
		{"fcollect dst too small", func() error { return Fcollect(c, at(4000), at(0), 64) }},
		{"fcollect overflows", func() error { return Fcollect(c, at(0), at(64), math.MaxUint64/2+1) }},
		{"alltoall src too small", func() error { return Alltoall(c, at(0), at(4000), 64) }},
		{"alltoall overflows", func() error { return Alltoall(c, at(0), at(64), 1<<62) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.log = nil
			requireCode(t, tc.call(), errcode.InvalidParam)
			require.NotContains(t, c.log, "barrier")
		})
	}
}

func TestZeroLengthSkipsAddressChecksButSynchronises(t *testing.T) {
	team := newFakeTeam(3, 4096, reachModes[0].reach)
	calls := map[string]func(c *fakeComm) error{
		"reduce":    func(c *fakeComm) error { return Reduce(c, 0, 0, 0, Float64, Sum) },
		"broadcast": func(c *fakeComm) error { return Broadcast(c, 0, 0, 0, 1) },
		"fcollect":  func(c *fakeComm) error { return Fcollect(c, 0, 0, 0) },
		"alltoall":  func(c *fakeComm) error { return Alltoall(c, 0, 0, 0) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { team.mustRun(t, call) })
	}
}

func TestBarrierErrorsAreReturned(t *testing.T) {
	const size, count = 4, 40000 // past the whole-array path: three barriers
	calls := map[string]func(team *fakeTeam, c *fakeComm) error{
		"reduce": func(team *fakeTeam, c *fakeComm) error {
			return Reduce(c, team.sym(c.rank, 1<<18), team.sym(c.rank, 0), count, Float32, Sum)
		},
		"reduce in place staged": func(team *fakeTeam, c *fakeComm) error {
			return Reduce(c, team.sym(c.rank, 64), team.sym(c.rank, 0), 100, Float32, Sum)
		},
		"broadcast": func(team *fakeTeam, c *fakeComm) error {
			return Broadcast(c, team.sym(c.rank, 3), team.sym(c.rank, 0), 100, 0)
		},
		"fcollect": func(team *fakeTeam, c *fakeComm) error {
			return Fcollect(c, team.sym(c.rank, 0), team.sym(c.rank, 0), 100)
		},
		"alltoall": func(team *fakeTeam, c *fakeComm) error {
			return Alltoall(c, team.sym(c.rank, 0), team.sym(c.rank, 0), 100)
		},
	}
	for name, call := range calls {
		for episode := 1; episode <= 3; episode++ {
			t.Run(name+"/"+string(rune('0'+episode)), func(t *testing.T) {
				team := newFakeTeam(size, 1<<19, reachModes[0].reach)
				team.failBarrier = episode
				errs, _ := team.run(func(c *fakeComm) error { return call(team, c) })
				for _, err := range errs {
					require.ErrorIs(t, err, errBarrier)
				}
			})
		}
	}
}

// faultingComm hands out an unmapped page as every peer's heap, as if the
// heaps were unmapped under a running collective.
type faultingComm struct {
	*fakeComm
	unmapped uintptr
}

func (c faultingComm) Peer(rank int, sym uintptr) uintptr {
	if rank == c.rank {
		return c.fakeComm.Peer(rank, sym)
	}
	return c.unmapped
}

func unmappedPage(t *testing.T) uintptr {
	m, err := unix.Mmap(-1, 0, 1<<16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	require.NoError(t, err)
	p := addrOf(m)
	require.NoError(t, unix.Munmap(m))
	return p
}

func TestFaultsOnPeerMemoryBecomeErrors(t *testing.T) {
	gone := unmappedPage(t)
	team := newFakeTeam(2, 1<<16, reachModes[0].reach)
	calls := map[string]func(c Comm, rank int) error{
		"reduce": func(c Comm, rank int) error {
			return Reduce(c, team.sym(rank, 4096), team.sym(rank, 0), 100, Int32, Sum)
		},
		"reduce big": func(c Comm, rank int) error {
			return Reduce(c, team.sym(rank, 1<<15), team.sym(rank, 0), 5000, Int32, Sum)
		},
		"broadcast": func(c Comm, rank int) error {
			return Broadcast(c, team.sym(rank, 4096), team.sym(rank, 0), 100, 1-rank)
		},
		"fcollect": func(c Comm, rank int) error { return Fcollect(c, team.sym(rank, 4096), team.sym(rank, 0), 100) },
		"alltoall": func(c Comm, rank int) error { return Alltoall(c, team.sym(rank, 4096), team.sym(rank, 0), 100) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			errs, _ := team.run(func(c *fakeComm) error { return call(faultingComm{c, gone}, c.rank) })
			for _, err := range errs {
				requireCode(t, err, errcode.SmemError)
			}
		})
	}
}

type panickyComm struct{ *fakeComm }

func (panickyComm) Peer(int, uintptr) uintptr { panic("a bug, not a fault") }

func TestOtherPanicsAreNotTakenForFaults(t *testing.T) {
	team := newFakeTeam(1, 4096, reachModes[0].reach)
	c := panickyComm{&fakeComm{t: team}}
	require.PanicsWithValue(t, "a bug, not a fault", func() {
		_ = Fcollect(c, team.sym(0, 64), team.sym(0, 0), 8)
	})
}
