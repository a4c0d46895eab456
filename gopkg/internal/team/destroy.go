package team

// Destroy forgets team id on this PE; afterwards id is invalid for good (ids
// are never reused). Teams split from it stay valid. WORLD and ids this PE
// does not hold are InvalidParam.
func (t *Table) Destroy(id int) error {
	if id == World {
		return invalidParam("SHMEM_TEAM_WORLD cannot be destroyed")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.teams[id]; !ok {
		return invalidParam("team %d is not a team of this PE", id)
	}
	delete(t.teams, id)
	return nil
}
