package team

// agree runs the collective step of a split over the parent's members: it
// checks that every member asked for the same split and returns the first of
// count consecutive ids that are free on all of them, reserving them here.
// The caller holds splitMu, so nextID cannot move underneath.
func (t *Table) agree(ex Exchanger, parent *Team, want request, count int) (int, error) {
	t.mu.RLock()
	mine := proposal{request: want, nextID: int64(t.nextID)}
	t.mu.RUnlock()

	var rows [][]byte
	if len(parent.Members) == 1 {
		rows = [][]byte{encodeProposal(mine)}
	} else {
		if ex == nil {
			return 0, innerError("no exchanger for a split of team %d", parent.ID)
		}
		var err error
		rows, err = ex.Allgather(groupName(parent), parent.Members, encodeProposal(mine))
		if err != nil {
			return 0, exchangeError(err)
		}
	}
	first, err := pickID(parent, want, rows, count)
	if err != nil {
		return 0, err
	}
	t.mu.Lock()
	t.nextID = first + count
	t.mu.Unlock()
	return first, nil
}

// pickID decides from the exchanged rows. Every member sees the same rows,
// so every member reaches the same verdict: a malformed row beats a mismatch,
// and "some row differs from mine" holds on one member exactly when it holds
// on all (each member's own row is in the list).
func pickID(parent *Team, want request, rows [][]byte, count int) (int, error) {
	if len(rows) != len(parent.Members) {
		return 0, innerError("exchange over team %d returned %d rows for %d members",
			parent.ID, len(rows), len(parent.Members))
	}
	proposals := make([]proposal, len(rows))
	var highest int64
	for i, raw := range rows {
		p, err := decodeProposal(raw)
		if err != nil {
			return 0, innerError("PE %d of team %d sent a %v", i, parent.ID, err)
		}
		if p.nextID < firstSplitID {
			return 0, innerError("PE %d of team %d proposed team id %d", i, parent.ID, p.nextID)
		}
		proposals[i] = p
		highest = max(highest, p.nextID)
	}
	for i, p := range proposals {
		if p.request != want {
			return 0, invalidParam("collective arguments differ: PE %d of team %d called %v, this PE %v",
				i, parent.ID, p.request, want)
		}
	}
	if highest > int64(maxTeamID-count+1) {
		return 0, innerError("team ids exhausted (next free id %d)", highest)
	}
	return int(highest), nil
}
