package job

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

// teamState holds the barrier blocks of the teams this PE belongs to and,
// for the teams this PE is the first member of, the slots it has handed out.
type teamState struct {
	mu    sync.RWMutex
	byID  map[int]*teamSync
	slots slotAllocator
}

func (s *teamState) get(id int) (*teamSync, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts, ok := s.byID[id]
	return ts, ok
}

// exchanger adapts the rendezvous to the team package's collective.
type exchanger struct{ j *Job }

func (e exchanger) Allgather(group string, members []int, data []byte) ([][]byte, error) {
	return e.j.sess.Allgather(group, members, data)
}

// TeamMyPE is this PE's number in team id, -1 for an invalid team.
func (j *Job) TeamMyPE(id int) int { return j.teams.MyPE(id) }

// TeamNPes is the size of team id, -1 for an invalid team.
func (j *Job) TeamNPes(id int) int { return j.teams.NPes(id) }

// TeamTranslate is team_translate_pe.
func (j *Job) TeamTranslate(src, pe, dst int) int { return j.teams.Translate(src, pe, dst) }

// TeamConfig is the configuration team id was created with.
func (j *Job) TeamConfig(id int) (team.Config, error) {
	t, ok := j.teams.Get(id)
	if !ok {
		return team.Config{}, errcode.New(errcode.InvalidParam, "team %d is not a team of this PE", id)
	}
	return t.Config, nil
}

// initWorldTeam sets up the world's barrier: slot 0 of PE 0, which is zero
// in a fresh segment and so needs no initialisation round.
func (j *Job) initWorldTeam() {
	j.teamSync.byID = map[int]*teamSync{}
	j.teamSync.slots = newSlotAllocator(maxTeamSlots)
	world, _ := j.teams.Get(team.World)
	ts := &teamSync{members: world.Members, group: "barrier/world", root: 0, slot: -1}
	if j.allLocal {
		ts.slot = 0
		ts.block = j.barrierBlock(0, 0)
		if j.opts.Rank == 0 {
			j.teamSync.slots.take(0)
		}
	}
	j.teamSync.byID[team.World] = ts
}

func (j *Job) barrierBlock(root, slot int) uintptr {
	return j.syncBases[root] + barrierAreaOffset + uintptr(slot)*barrier.BlockSize
}

// SplitStrided is team_split_strided; Invalid for PEs not selected.
func (j *Job) SplitStrided(parent, start, stride, size int, cfg team.Config) (int, error) {
	id, err := j.teams.SplitStrided(exchanger{j}, parent, start, stride, size, cfg)
	if err != nil || id == team.Invalid {
		return id, err
	}
	return id, j.setupTeam(id)
}

// Split2D is team_split_2d.
func (j *Job) Split2D(parent, xRange int, xCfg, yCfg team.Config) (int, int, error) {
	x, y, err := j.teams.Split2D(exchanger{j}, parent, xRange, xCfg, yCfg)
	if err != nil {
		return team.Invalid, team.Invalid, err
	}
	for _, id := range []int{x, y} {
		if err := j.setupTeam(id); err != nil {
			return team.Invalid, team.Invalid, err
		}
	}
	return x, y, nil
}

// setupTeam gives a new team its barrier block: the first member takes a
// free slot of its sync area, clears it, and tells the others which one; the
// exchange also guarantees that nobody uses the block before it is clear.
func (j *Job) setupTeam(id int) error {
	t, _ := j.teams.Get(id)
	root := t.Members[0]
	ts := &teamSync{members: t.Members, group: fmt.Sprintf("barrier/%d/%d", id, root), root: root, slot: -1}
	var mine [8]byte
	binary.LittleEndian.PutUint64(mine[:], ^uint64(0))
	if j.allLocal && j.opts.Rank == root {
		j.teamSync.mu.Lock()
		slot, ok := j.teamSync.slots.get()
		j.teamSync.mu.Unlock()
		if ok {
			barrier.Init(j.barrierBlock(root, slot))
			binary.LittleEndian.PutUint64(mine[:], uint64(slot))
		}
	}
	all, err := j.sess.Allgather(fmt.Sprintf("teamsetup/%d/%d", id, root), t.Members, mine[:])
	if err != nil {
		j.releaseSlot(root, int(int64(binary.LittleEndian.Uint64(mine[:]))))
		_ = j.teams.Destroy(id)
		return errcode.Wrap(errcode.BootstrapError, err, "setting up the team's barrier")
	}
	if slot := int64(binary.LittleEndian.Uint64(all[0])); slot >= 0 {
		ts.slot = int(slot)
		ts.block = j.barrierBlock(root, ts.slot)
	}
	j.teamSync.mu.Lock()
	j.teamSync.byID[id] = ts
	j.teamSync.mu.Unlock()
	return nil
}

func (j *Job) releaseSlot(root, slot int) {
	if root == j.opts.Rank && slot >= 0 {
		j.teamSync.mu.Lock()
		j.teamSync.slots.put(slot)
		j.teamSync.mu.Unlock()
	}
}

// TeamDestroy is team_destroy.
func (j *Job) TeamDestroy(id int) error {
	if err := j.teams.Destroy(id); err != nil {
		return err
	}
	j.teamSync.mu.Lock()
	ts := j.teamSync.byID[id]
	delete(j.teamSync.byID, id)
	j.teamSync.mu.Unlock()
	if ts != nil {
		j.releaseSlot(ts.root, ts.slot)
	}
	return nil
}

// BarrierAll completes this PE's transfers and waits for every PE.
func (j *Job) BarrierAll() error { return j.Barrier(team.World) }

// Barrier completes this PE's transfers and waits for every member of team id.
func (j *Job) Barrier(id int) error {
	ts, ok := j.teamSync.get(id)
	if !ok {
		return errcode.New(errcode.InvalidParam, "team %d is not a team of this PE", id)
	}
	if err := j.rma.Quiet(); err != nil {
		return err
	}
	return j.meet(ts)
}

// Sync waits for every member of team id without completing this PE's
// transfers (OpenSHMEM shmem_sync): it orders execution, not memory.
func (j *Job) Sync(id int) error {
	ts, ok := j.teamSync.get(id)
	if !ok {
		return errcode.New(errcode.InvalidParam, "team %d is not a team of this PE", id)
	}
	return j.meet(ts)
}

// meet is the barrier proper: in shared memory when the team has a block,
// through the rendezvous otherwise.
func (j *Job) meet(ts *teamSync) error {
	if ts.block == 0 {
		return j.sess.Barrier(ts.group, ts.members)
	}
	return j.sharedBarrier(ts)
}

// lostCheckInterval is how often a PE waiting in a shared-memory barrier
// looks up from it to see whether a PE of the job has died: a dead PE never
// arrives, and the survivors should hear of it, not wait out the timeout.
const lostCheckInterval = 200 * time.Millisecond

func (j *Job) sharedBarrier(ts *teamSync) error {
	deadline := time.Now().Add(j.opts.OpTimeout)
	var mark interrupt.Mark
	for {
		slice := min(lostCheckInterval, time.Until(deadline))
		err := barrier.Wait(ts.block, len(ts.members), ts.block+barrierWakeOffset, max(slice, time.Millisecond), &mark)
		if errcode.CodeOf(err) != errcode.TimeoutError {
			return err
		}
		// The timed-out arrival was taken back, so waiting again is safe.
		if lost := j.lostPE.Load(); lost >= 0 {
			return errcode.New(errcode.BootstrapError, "barrier: PE %d of the job died", lost)
		}
		if time.Now().After(deadline) {
			return errcode.New(errcode.TimeoutError, "barrier: not every PE of the team arrived within %v", j.opts.OpTimeout)
		}
	}
}
