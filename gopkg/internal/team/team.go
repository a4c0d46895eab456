package team

// Config is the per-team configuration given at creation (shmem_team_config_t).
type Config struct {
	NumContexts int
}

// Team describes one team as seen by this PE.
type Team struct {
	ID      int
	Members []int // world ranks; the index is the rank inside the team
	MyRank  int   // this PE's rank inside the team
	Config  Config
	Parent  int // id of the team it was split from (Invalid for WORLD); the parent may be gone
}

// entry is a team held by a Table, with a reverse index for Translate.
type entry struct {
	team   Team
	rankOf map[int]int // world rank -> rank inside the team
}

func newEntry(t Team) *entry {
	rankOf := make(map[int]int, len(t.Members))
	for rank, world := range t.Members {
		rankOf[world] = rank
	}
	return &entry{team: t, rankOf: rankOf}
}

// snapshot returns a copy the caller may keep and modify.
func (e *entry) snapshot() *Team {
	t := e.team
	t.Members = append([]int(nil), e.team.Members...)
	return &t
}
