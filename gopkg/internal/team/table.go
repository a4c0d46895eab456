package team

import "sync"

// Table holds the teams one PE belongs to.
type Table struct {
	// splitMu serialises splits: one id agreement at a time per PE.
	splitMu sync.Mutex

	mu     sync.RWMutex
	teams  map[int]*entry
	nextID int // every id this PE holds or ever held is below it
}

// NewTable returns the table of PE myWorldRank in a job of worldSize PEs,
// holding WORLD. The job layer validates both numbers; should they still be
// out of range, the table holds no team at all, so every query reports an
// invalid team and every split fails with InvalidParam (nothing panics).
func NewTable(worldSize, myWorldRank int) *Table {
	t := &Table{teams: make(map[int]*entry), nextID: firstSplitID}
	if worldSize < 1 || myWorldRank < 0 || myWorldRank >= worldSize {
		return t
	}
	members := make([]int, worldSize)
	for i := range members {
		members[i] = i
	}
	t.teams[World] = newEntry(Team{ID: World, Members: members, MyRank: myWorldRank, Parent: Invalid})
	return t
}

// Get returns a copy of team id, or false when this PE holds no such team.
func (t *Table) Get(id int) (*Team, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.teams[id]
	if !ok {
		return nil, false
	}
	return e.snapshot(), true
}

// MyPE returns this PE's rank in team id, -1 for an invalid team.
func (t *Table) MyPE(id int) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if e, ok := t.teams[id]; ok {
		return e.team.MyRank
	}
	return Invalid
}

// NPes returns the size of team id, -1 for an invalid team.
func (t *Table) NPes(id int) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if e, ok := t.teams[id]; ok {
		return len(e.team.Members)
	}
	return Invalid
}

// lookup returns a copy of team id for a split to work on.
func (t *Table) lookup(id int) (*Team, error) {
	team, ok := t.Get(id)
	if !ok {
		return nil, invalidParam("team %d is not a team of this PE", id)
	}
	return team, nil
}

// install records a team this PE has just joined.
func (t *Table) install(team Team) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.teams[team.ID] = newEntry(team)
}
