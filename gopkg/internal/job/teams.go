package job

import (
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/team"
	"github.com/pyshmem/shmem/gopkg/internal/teamsync"
)

// The teams and their barriers are package teamsync's; the job only hands
// them its rendezvous and mappings and completes its transfers before a
// barrier.

// lostCheckInterval is how often a PE waiting in shared memory (signal and
// point-to-point waits) looks up to see whether a PE of the job has died: a
// dead PE never updates the word, and the waiter should hear of it, not wait
// forever.
const lostCheckInterval = 200 * time.Millisecond

// newTeams sets up the world team. Its barrier runs in shared memory only
// when every PE's sync area is mapped here.
func (j *Job) newTeams() *teamsync.Teams {
	cfg := teamsync.Config{Rank: j.opts.Rank, Size: j.opts.Size, OpTimeout: j.opts.OpTimeout, Lost: j.lostPE.Load}
	if j.reach.AllMapped() {
		cfg.SyncBases = j.syncBases
	}
	return teamsync.New(j.sess, cfg)
}

// TeamMyPE is this PE's number in team id, -1 for an invalid team.
func (j *Job) TeamMyPE(id int) int { return j.teams.MyPE(id) }

// TeamNPes is the size of team id, -1 for an invalid team.
func (j *Job) TeamNPes(id int) int { return j.teams.NPes(id) }

// TeamTranslate is team_translate_pe.
func (j *Job) TeamTranslate(src, pe, dst int) int { return j.teams.Translate(src, pe, dst) }

// TeamConfig is the configuration team id was created with.
func (j *Job) TeamConfig(id int) (team.Config, error) { return j.teams.Config(id) }

// SplitStrided is team_split_strided; team.Invalid for PEs not selected.
func (j *Job) SplitStrided(parent, start, stride, size int, cfg team.Config) (int, error) {
	return j.teams.SplitStrided(parent, start, stride, size, cfg)
}

// Split2D is team_split_2d.
func (j *Job) Split2D(parent, xRange int, xCfg, yCfg team.Config) (int, int, error) {
	return j.teams.Split2D(parent, xRange, xCfg, yCfg)
}

// TeamDestroy is team_destroy.
func (j *Job) TeamDestroy(id int) error { return j.teams.Destroy(id) }

// BarrierAll completes this PE's transfers and waits for every PE.
func (j *Job) BarrierAll() error { return j.Barrier(team.World) }

// Barrier completes this PE's transfers and waits for every member of team id.
func (j *Job) Barrier(id int) error { return j.teams.Barrier(id, j.rma.Quiet) }

// Sync waits for every member of team id without completing this PE's
// transfers (OpenSHMEM shmem_sync): it orders execution, not memory.
func (j *Job) Sync(id int) error { return j.teams.Barrier(id, nil) }
