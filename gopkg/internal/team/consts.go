package team

import "math"

// The predefined team handles (SHMEM_TEAM_WORLD, SHMEM_TEAM_INVALID).
const (
	World   = 0
	Invalid = -1
)

const (
	// firstSplitID is the id the first split of a job receives.
	firstSplitID = 1
	// maxTeamID bounds ids: they cross into Python and C as 32-bit ints.
	maxTeamID = math.MaxInt32
	// groupPrefix starts every exchange group name this package uses.
	groupPrefix = "team/"
)
