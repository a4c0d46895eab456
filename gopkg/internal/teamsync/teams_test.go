package teamsync

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/team"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireCode(t *testing.T, err error, code int, contains ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, errcode.CodeOf(err), err.Error())
	for _, s := range contains {
		assert.Contains(t, err.Error(), s)
	}
}

// barrierHolds runs a barrier of team ids[pe] on the PEs pes, with the last
// of them arriving late: no PE may leave before it has arrived. A barrier
// that does not wait fails this every time, whatever the machine's speed.
func barrierHolds(t *testing.T, w *world, pes []int, ids []int) {
	t.Helper()
	late := pes[len(pes)-1]
	var arrived atomic.Bool
	w.run(pes, func(pe int, ts *Teams) {
		if pe == late {
			time.Sleep(50 * time.Millisecond)
			arrived.Store(true)
		}
		assert.NoError(t, ts.Barrier(ids[pe], nil), "PE %d", pe)
		assert.True(t, arrived.Load(), "PE %d left the barrier before PE %d arrived", pe, late)
	})
}

func all(n, id int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = id
	}
	return ids
}

func TestWorldBarrierRunsInSharedMemoryWhenEveryPEIsMapped(t *testing.T) {
	w := newWorld(t, 4, true)
	for range 3 {
		barrierHolds(t, w, []int{0, 1, 2, 3}, all(4, team.World))
	}
	assert.Zero(t, w.hub.barriers.Load(), "no barrier went through the rendezvous")
	for pe, ts := range w.teams {
		s, ok := ts.get(team.World)
		require.True(t, ok)
		assert.Equal(t, 0, s.slot, "the world uses slot 0")
		assert.Equal(t, w.areas[0].Addr()+BarrierAreaOffset, s.block, "of PE 0, on PE %d", pe)
	}
	// PE 0 handed slot 0 to the world: its first team gets slot 1.
	assert.Equal(t, 1, w.teams[0].slots.free[0])
	assert.Equal(t, maxSlots-1, len(w.teams[0].slots.free))
	assert.Equal(t, maxSlots, len(w.teams[1].slots.free), "PE 1 handed out nothing")
}

func TestBarriersGoThroughTheRendezvousWhenPEsAreNotAllMapped(t *testing.T) {
	w := newWorld(t, 3, false)
	for round := 1; round <= 2; round++ {
		barrierHolds(t, w, []int{0, 1, 2}, all(3, team.World))
		assert.Equal(t, int64(3*round), w.hub.barriers.Load())
	}
	ids := make([]int, 3)
	w.run(nil, func(pe int, ts *Teams) {
		var err error
		ids[pe], err = ts.SplitStrided(team.World, 1, 1, 2, team.Config{})
		assert.NoError(t, err)
	})
	assert.Equal(t, team.Invalid, ids[0])
	s, ok := w.teams[1].get(ids[1])
	require.True(t, ok)
	assert.Equal(t, -1, s.slot)
	assert.Zero(t, s.block)
	before := w.hub.barriers.Load()
	barrierHolds(t, w, []int{1, 2}, ids)
	assert.Equal(t, before+2, w.hub.barriers.Load())
}

func TestSplitTeamsGetABlockOfTheirFirstMember(t *testing.T) {
	w := newWorld(t, 4, true)
	ids := make([]int, 4)
	cfg := team.Config{NumContexts: 3}
	w.run(nil, func(pe int, ts *Teams) {
		var err error
		ids[pe], err = ts.SplitStrided(team.World, 1, 2, 2, cfg) // world {1, 3}
		assert.NoError(t, err)
	})
	require.Equal(t, team.Invalid, ids[0])
	require.Equal(t, team.Invalid, ids[2])
	require.Equal(t, ids[1], ids[3])
	for _, pe := range []int{1, 3} {
		ts := w.teams[pe]
		members, ok := ts.Members(ids[pe])
		require.True(t, ok)
		assert.Equal(t, []int{1, 3}, members)
		s, _ := ts.get(ids[pe])
		assert.Equal(t, 1, s.root)
		assert.Equal(t, 0, s.slot, "PE 1's first slot: PE 0 holds the world's")
		assert.Equal(t, barrierBlock(w.areas[1].Addr(), 0), s.block)
		assert.Equal(t, 2, ts.NPes(ids[pe]))
		assert.Equal(t, pe/2, ts.MyPE(ids[pe]))
		assert.Equal(t, 3, ts.Translate(ids[pe], 1, team.World))
		got, err := ts.Config(ids[pe])
		require.NoError(t, err)
		assert.Equal(t, cfg, got)
	}
	_, ok := w.teams[0].Members(ids[1])
	assert.False(t, ok, "PE 0 is no member")
	assert.Equal(t, -1, w.teams[0].MyPE(ids[1]))
	barrierHolds(t, w, []int{1, 3}, ids)
	assert.Zero(t, w.hub.barriers.Load())

	// Destroying hands the slot back, to the back of the queue: the next
	// team of PE 1 gets slot 1, not the slot just freed.
	w.run([]int{1, 3}, func(pe int, ts *Teams) { assert.NoError(t, ts.Destroy(ids[pe])) })
	_, ok = w.teams[1].Members(ids[1])
	assert.False(t, ok)
	assert.Equal(t, 0, w.teams[1].slots.free[len(w.teams[1].slots.free)-1])
	w.run([]int{1, 3}, func(pe int, ts *Teams) {
		var err error
		ids[pe], err = ts.SplitStrided(team.World, 1, 2, 2, cfg)
		assert.NoError(t, err)
	})
	s, _ := w.teams[3].get(ids[3])
	assert.Equal(t, 1, s.slot)
	barrierHolds(t, w, []int{1, 3}, ids)
}

func TestSplit2DTeamsMeetInSharedMemory(t *testing.T) {
	w := newWorld(t, 4, true)
	xs, ys := make([]int, 4), make([]int, 4)
	w.run(nil, func(pe int, ts *Teams) {
		var err error
		xs[pe], ys[pe], err = ts.Split2D(team.World, 2, team.Config{}, team.Config{}) // rows {0,1} {2,3}; columns {0,2} {1,3}
		assert.NoError(t, err)
	})
	for pe := range 4 {
		row, _ := w.teams[pe].Members(xs[pe])
		col, _ := w.teams[pe].Members(ys[pe])
		assert.Equal(t, []int{pe &^ 1, pe | 1}, row)
		assert.Equal(t, []int{pe % 2, pe%2 + 2}, col)
	}
	// Rows and columns meet at the same time in blocks of different roots
	// (or different slots of one root): none disturbs another.
	for range 3 {
		w.run(nil, func(pe int, ts *Teams) {
			assert.NoError(t, ts.Barrier(xs[pe], nil))
			assert.NoError(t, ts.Barrier(ys[pe], nil))
		})
	}
	s0, _ := w.teams[0].get(xs[0])
	s1, _ := w.teams[0].get(ys[0])
	assert.Equal(t, 0, s0.root)
	assert.Equal(t, 0, s1.root)
	assert.NotEqual(t, s0.slot, s1.slot)
	assert.Zero(t, w.hub.barriers.Load())

	_, _, err := w.teams[0].Split2D(77, 2, team.Config{}, team.Config{})
	require.Error(t, err, "no such parent team")
}

func TestATeamWithoutAFreeSlotMeetsThroughTheRendezvous(t *testing.T) {
	saved := maxSlots
	maxSlots = 2
	defer func() { maxSlots = saved }()
	w := newWorld(t, 2, true)
	split := func() []int {
		ids := make([]int, 2)
		w.run(nil, func(pe int, ts *Teams) {
			var err error
			ids[pe], err = ts.SplitStrided(team.World, 0, 1, 2, team.Config{})
			assert.NoError(t, err)
		})
		return ids
	}
	first, second := split(), split()
	s, _ := w.teams[1].get(first[1])
	assert.Equal(t, 1, s.slot)
	s, _ = w.teams[1].get(second[1])
	assert.Equal(t, -1, s.slot, "PE 0 has no slot left")
	assert.Zero(t, s.block)
	barrierHolds(t, w, []int{0, 1}, second)
	assert.Equal(t, int64(2), w.hub.barriers.Load())
	barrierHolds(t, w, []int{0, 1}, first)
	assert.Equal(t, int64(2), w.hub.barriers.Load())
}

func TestAFailedSetupUndoesTheTeamAndItsSlot(t *testing.T) {
	w := newWorld(t, 2, true)
	w.hub.fail = func(group string) bool { return len(group) > 9 && group[:9] == "teamsetup" }
	free := len(w.teams[0].slots.free)
	w.run(nil, func(pe int, ts *Teams) {
		id, err := ts.SplitStrided(team.World, 0, 1, 2, team.Config{})
		requireCode(t, err, errcode.BootstrapError, "setting up the team's barrier", "rendezvous lost")
		assert.Equal(t, -1, ts.NPes(id), "PE %d: the team is gone", pe)
		_, err = ts.Config(id)
		requireCode(t, err, errcode.InvalidParam)
	})
	assert.Len(t, w.teams[0].slots.free, free, "the root took its slot back")
	w.run(nil, func(pe int, ts *Teams) {
		_, _, err := ts.Split2D(team.World, 1, team.Config{}, team.Config{})
		requireCode(t, err, errcode.BootstrapError)
	})
	assert.Len(t, w.teams[0].slots.free, free)
}

func TestCallsOnTeamsThatAreNotThisPEs(t *testing.T) {
	w := newWorld(t, 2, true)
	ts := w.teams[0]
	requireCode(t, ts.Barrier(5, nil), errcode.InvalidParam, "team 5 is not a team of this PE")
	_, err := ts.Config(5)
	requireCode(t, err, errcode.InvalidParam, "team 5")
	require.Error(t, ts.Destroy(5))
	require.Error(t, ts.Destroy(team.World), "the world cannot be destroyed")
	_, ok := ts.Members(5)
	assert.False(t, ok)
	_, err = ts.SplitStrided(team.World, 0, 1, 3, team.Config{})
	require.Error(t, err, "3 PEs of a world of 2")
}

func TestBarrierRunsBeforeFirstAndStopsAtItsError(t *testing.T) {
	w := newWorld(t, 1, true)
	calls := 0
	require.NoError(t, w.teams[0].Barrier(team.World, func() error { calls++; return nil }))
	assert.Equal(t, 1, calls)
	quiet := errcode.New(errcode.InnerError, "a transfer failed")
	require.ErrorIs(t, w.teams[0].Barrier(team.World, func() error { return quiet }), quiet)
	requireCode(t, w.teams[0].Barrier(9, func() error { t.Error("called for no team"); return nil }), errcode.InvalidParam)
}

// A PE that never arrives: the others give up when the job learns it died,
// or at the operation timeout, and the block stays usable.
func TestSharedBarrierGivesUpOnALostPEOrTheTimeout(t *testing.T) {
	w := newWorld(t, 2, true)
	go func() {
		time.Sleep(300 * time.Millisecond)
		w.lost.Store(1)
	}()
	requireCode(t, w.teams[0].Barrier(team.World, nil), errcode.BootstrapError, "PE 1 of the job died")

	w.lost.Store(-1)
	w.teams[0].cfg.OpTimeout = 250 * time.Millisecond
	requireCode(t, w.teams[0].Barrier(team.World, nil), errcode.TimeoutError, "not every PE of the team arrived")
	w.teams[0].cfg.OpTimeout = 10 * time.Second
	barrierHolds(t, w, []int{0, 1}, all(2, team.World))
}

func TestLayout(t *testing.T) {
	assert.Zero(t, WakeBlock(0), "an unmapped sync area has no wake block")
	assert.Equal(t, uintptr(0x10000+WakeBlockOffset), WakeBlock(0x10000))
	assert.Equal(t, uintptr(0x10000+BarrierAreaOffset+3*64), barrierBlock(0x10000, 3))
	assert.Greater(t, maxSlots, 100, "room for many teams")
	n := New(&peer{hub: newHub(), size: 1, seq: map[string]int{}}, Config{Size: 1})
	assert.Equal(t, int64(-1), n.cfg.Lost(), "no Lost: nobody is")
}

func TestSlotAllocatorReusesFreedSlotsLast(t *testing.T) {
	s := newSlotAllocator(3)
	s.take(1)
	s.take(7) // not free: nothing happens
	a, _ := s.get()
	b, _ := s.get()
	assert.Equal(t, []int{0, 2}, []int{a, b})
	_, ok := s.get()
	assert.False(t, ok)
	s.put(0)
	s.put(2)
	a, _ = s.get()
	assert.Equal(t, 0, a)
}
