package api

import (
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/team"
)

// TeamSplitStrided is team_split_strided: the new team's id on members,
// SHMEM_TEAM_INVALID (-1) on the parent's other PEs, an error for arguments
// that do not fit the parent.
func TeamSplitStrided(parent, start, stride, size int) (id int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return team.Invalid, err
	}
	return j.SplitStrided(parent, start, stride, size, team.Config{})
}

// TeamSplit2d is team_split_2d. gopy returns one value, so the pair comes
// packed: x in the high 32 bits, y in the low 32 (both are -1 or a 31-bit id).
func TeamSplit2d(parent, xRange int) (packed int64, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	x, y, err := j.Split2D(parent, xRange, team.Config{}, team.Config{})
	if err != nil {
		return 0, err
	}
	return int64(x)<<32 | int64(uint32(y)), nil
}

// TeamTranslatePe is team_translate_pe: -1 on any error.
func TeamTranslatePe(srcTeam, srcPe, destTeam int) (pe int) {
	defer func() {
		if recover() != nil {
			pe = -1
		}
	}()
	if j := current.Load(); j != nil {
		return j.TeamTranslate(srcTeam, srcPe, destTeam)
	}
	return -1
}

// TeamDestroy is team_destroy: WORLD or an unknown team is an error.
func TeamDestroy(id int) (_ int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	if id == team.World {
		return 0, errcode.New(errcode.InvalidParam, "SHMEM_TEAM_WORLD cannot be destroyed")
	}
	return 0, j.TeamDestroy(id)
}

// TeamNumContexts is the num_contexts the team was created with.
func TeamNumContexts(id int) (n int, err error) {
	defer recoverInto(&err)
	j, err := live()
	if err != nil {
		return 0, err
	}
	cfg, err := j.TeamConfig(id)
	return cfg.NumContexts, err
}
