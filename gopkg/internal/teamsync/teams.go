// Package teamsync is the team synchronisation state of one PE: the team
// table (package team) together with each team's barrier, and the layout of
// the sync area the barriers live in.
//
// A team whose PEs all map each other's heaps meets in shared memory, in a
// barrier block of its first member's sync area; that member hands the
// block out when the team is made and takes it back when it is destroyed. A
// team without a block (PEs on several hosts, or no free slot left) meets
// through the rendezvous. Everything the package needs of the job comes in
// through Rendezvous and Config, so it is tested against a fake one.
package teamsync

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/barrier"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/interrupt"
	"github.com/pyshmem/shmem/gopkg/internal/team"
)

// Rendezvous is what the teams need of the job's rendezvous
// (bootstrap.Session): collectives over a member list, told apart by group.
type Rendezvous interface {
	Allgather(group string, members []int, data []byte) ([][]byte, error)
	Barrier(group string, members []int) error
}

// Config is what the teams need to know of the job.
type Config struct {
	Rank, Size int
	// SyncBases[pe] is where PE pe's sync area is mapped here. nil when not
	// every PE is mapped: then every barrier goes through the rendezvous.
	SyncBases []uintptr
	// OpTimeout bounds a barrier in shared memory (the rendezvous bounds its
	// own).
	OpTimeout time.Duration
	// Lost returns a PE of the job known dead, -1 when none: a dead PE never
	// arrives at a barrier in shared memory, which cannot see it go.
	Lost func() int64
}

// teamSync is what a barrier over one team needs, kept apart from the team
// table so that a barrier neither allocates nor copies the member list.
type teamSync struct {
	members []int
	group   string // the rendezvous group of the fallback barrier
	// block is the team's barrier block as mapped here (in the sync area of
	// the team's first member); 0 means the barrier goes through the
	// rendezvous (PEs on several hosts, or no free block at the root).
	block uintptr
	root  int
	slot  int // the block's slot in the root's sync area, -1 when none
}

// Teams holds the teams this PE belongs to with their barriers and, for the
// teams this PE is the first member of, the slots it has handed out. Its
// methods are safe for concurrent use.
type Teams struct {
	cfg   Config
	rv    Rendezvous
	table *team.Table

	// world is byID[team.World], which never changes: the barrier of the
	// world, the one programs call most, takes no lock to find it.
	world *teamSync

	mu    sync.RWMutex
	byID  map[int]*teamSync
	slots slotAllocator
}

// New sets up the world team. Its barrier is slot 0 of PE 0, which is zero
// in a fresh segment and so needs no initialisation round.
func New(rv Rendezvous, cfg Config) *Teams {
	if cfg.Lost == nil {
		cfg.Lost = func() int64 { return -1 }
	}
	t := &Teams{cfg: cfg, rv: rv, table: team.NewTable(cfg.Size, cfg.Rank),
		byID: map[int]*teamSync{}, slots: newSlotAllocator(maxSlots)}
	world, _ := t.table.Get(team.World)
	ts := &teamSync{members: world.Members, group: "barrier/world", root: 0, slot: -1}
	if t.shared() {
		ts.slot = 0
		ts.block = barrierBlock(cfg.SyncBases[0], 0)
		if cfg.Rank == 0 {
			t.slots.take(0)
		}
	}
	t.byID[team.World] = ts
	t.world = ts
	return t
}

// shared reports whether barriers can run in shared memory.
func (t *Teams) shared() bool { return t.cfg.SyncBases != nil }

func (t *Teams) get(id int) (*teamSync, bool) {
	if id == team.World {
		return t.world, true
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	ts, ok := t.byID[id]
	return ts, ok
}

func notMine(id int) error {
	return errcode.New(errcode.InvalidParam, "team %d is not a team of this PE", id)
}

// MyPE is this PE's number in team id, -1 for an invalid team.
func (t *Teams) MyPE(id int) int { return t.table.MyPE(id) }

// NPes is the size of team id, -1 for an invalid team.
func (t *Teams) NPes(id int) int { return t.table.NPes(id) }

// Translate is team_translate_pe.
func (t *Teams) Translate(src, pe, dst int) int { return t.table.Translate(src, pe, dst) }

// Config is the configuration team id was created with.
func (t *Teams) Config(id int) (team.Config, error) {
	tm, ok := t.table.Get(id)
	if !ok {
		return team.Config{}, notMine(id)
	}
	return tm.Config, nil
}

// Members lists the world PEs of team id in team rank order (shared: the
// caller must not change it); false when this PE is no member.
func (t *Teams) Members(id int) ([]int, bool) {
	ts, ok := t.get(id)
	if !ok {
		return nil, false
	}
	return ts.members, true
}

// SplitStrided is team_split_strided; team.Invalid for PEs not selected.
func (t *Teams) SplitStrided(parent, start, stride, size int, cfg team.Config) (int, error) {
	id, err := t.table.SplitStrided(t.rv, parent, start, stride, size, cfg)
	if err != nil || id == team.Invalid {
		return id, err
	}
	return id, t.setup(id)
}

// Split2D is team_split_2d.
func (t *Teams) Split2D(parent, xRange int, xCfg, yCfg team.Config) (int, int, error) {
	x, y, err := t.table.Split2D(t.rv, parent, xRange, xCfg, yCfg)
	if err != nil {
		return team.Invalid, team.Invalid, err
	}
	for _, id := range []int{x, y} {
		if err := t.setup(id); err != nil {
			return team.Invalid, team.Invalid, err
		}
	}
	return x, y, nil
}

// setup gives a new team its barrier block: the first member takes a free
// slot of its sync area, clears it, and tells the others which one; the
// exchange also guarantees that nobody uses the block before it is clear.
// When the exchange fails the team is destroyed again on this PE.
func (t *Teams) setup(id int) error {
	tm, _ := t.table.Get(id)
	root := tm.Members[0]
	ts := &teamSync{members: tm.Members, group: fmt.Sprintf("barrier/%d/%d", id, root), root: root, slot: -1}
	var mine [8]byte
	binary.LittleEndian.PutUint64(mine[:], ^uint64(0))
	if t.shared() && t.cfg.Rank == root {
		t.mu.Lock()
		slot, ok := t.slots.get()
		t.mu.Unlock()
		if ok {
			_ = barrier.Init(barrierBlock(t.cfg.SyncBases[root], slot)) // aligned by the layout: cannot fail
			binary.LittleEndian.PutUint64(mine[:], uint64(slot))
		}
	}
	all, err := t.rv.Allgather(fmt.Sprintf("teamsetup/%d/%d", id, root), tm.Members, mine[:])
	if err != nil {
		t.releaseSlot(root, int(int64(binary.LittleEndian.Uint64(mine[:]))))
		_ = t.table.Destroy(id)
		return errcode.Wrap(errcode.BootstrapError, err, "setting up the team's barrier")
	}
	if slot := int64(binary.LittleEndian.Uint64(all[0])); slot >= 0 {
		ts.slot = int(slot)
		ts.block = barrierBlock(t.cfg.SyncBases[root], ts.slot)
	}
	t.mu.Lock()
	t.byID[id] = ts
	t.mu.Unlock()
	return nil
}

func (t *Teams) releaseSlot(root, slot int) {
	if root == t.cfg.Rank && slot >= 0 {
		t.mu.Lock()
		t.slots.put(slot)
		t.mu.Unlock()
	}
}

// Destroy is team_destroy.
func (t *Teams) Destroy(id int) error {
	if err := t.table.Destroy(id); err != nil {
		return err
	}
	t.mu.Lock()
	ts := t.byID[id]
	delete(t.byID, id)
	t.mu.Unlock()
	if ts != nil {
		t.releaseSlot(ts.root, ts.slot)
	}
	return nil
}

// Barrier waits for every member of team id; before, when not nil, runs
// once the team is known to be this PE's and before meeting (the job
// completes its transfers there: shmem_barrier orders memory, shmem_sync
// only execution).
func (t *Teams) Barrier(id int, before func() error) error {
	ts, ok := t.get(id)
	if !ok {
		return notMine(id)
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	if ts.block == 0 {
		return t.rv.Barrier(ts.group, ts.members)
	}
	return t.sharedBarrier(ts)
}

// lostCheckInterval is how often a PE waiting in a shared-memory barrier
// looks up from it to see whether a PE of the job has died: a dead PE never
// arrives, and the survivors should hear of it, not wait out the timeout.
const lostCheckInterval = 200 * time.Millisecond

func (t *Teams) sharedBarrier(ts *teamSync) error {
	var mark interrupt.Mark
	// The deadline is set when the first slice runs out, so that a barrier
	// that passes reads no clock here; the total wait stays within
	// OpTimeout plus a slice.
	var deadline time.Time
	for {
		slice := min(lostCheckInterval, t.cfg.OpTimeout)
		if !deadline.IsZero() {
			slice = min(slice, time.Until(deadline))
		}
		err := barrier.Wait(ts.block, len(ts.members), max(slice, time.Millisecond), &mark)
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return err
		}
		// The timed-out arrival was taken back, so waiting again is safe.
		if lost := t.cfg.Lost(); lost >= 0 {
			return errcode.New(errcode.BootstrapError, "barrier: PE %d of the job died", lost)
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(t.cfg.OpTimeout - slice)
		}
		if !now.Before(deadline) {
			return errcode.New(errcode.TimeoutError, "barrier: not every PE of the team arrived within %v", t.cfg.OpTimeout)
		}
	}
}
