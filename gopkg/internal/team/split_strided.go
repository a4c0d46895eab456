package team

// SplitStrided creates a team of the parent's ranks start, start+stride, ...,
// start+(size-1)*stride. As in Ascend it is computed on each PE from its own
// arguments: PEs outside the new team get Invalid and no error without
// exchanging anything; the members exchange among themselves only, to agree
// on the team's id (see agree). Arguments that do not fit the parent are
// InvalidParam, decided locally.
func (t *Table) SplitStrided(ex Exchanger, parent, start, stride, size int, cfg Config) (int, error) {
	t.splitMu.Lock()
	defer t.splitMu.Unlock()

	p, err := t.lookup(parent)
	if err != nil {
		return Invalid, err
	}
	if stride, err = checkStrided(len(p.Members), start, stride, size); err != nil {
		return Invalid, err
	}
	if err := cfg.check(); err != nil {
		return Invalid, err
	}
	offset := p.MyRank - start
	if offset < 0 || offset%stride != 0 || offset/stride >= size {
		return Invalid, nil
	}
	members := make([]int, size)
	for i := range members {
		members[i] = p.Members[start+i*stride]
	}
	id, err := t.agree(ex, members, t.next())
	if err != nil {
		return Invalid, err
	}
	t.reserve(id + 1)
	t.install(Team{ID: id, Members: members, MyRank: offset / stride, Config: cfg, Parent: parent})
	return id, nil
}

// next is the lowest id this PE never used.
func (t *Table) next() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.nextID
}

// reserve moves the id counter to next.
func (t *Table) reserve(next int) {
	t.mu.Lock()
	t.nextID = next
	t.mu.Unlock()
}

// checkStrided validates a strided selection from a parent of n ranks and
// returns the stride to use: 1 when size is 1, where the stride plays no part.
func checkStrided(n, start, stride, size int) (int, error) {
	if size < 1 {
		return 0, invalidParam("size %d: a team needs at least one PE", size)
	}
	if start < 0 || start >= n {
		return 0, invalidParam("start %d outside the parent's ranks 0..%d", start, n-1)
	}
	if size == 1 {
		return 1, nil
	}
	if stride < 1 {
		return 0, invalidParam("stride %d: must be at least 1 when size > 1", stride)
	}
	// (size-1)*stride may overflow; compare by division instead.
	if size-1 > (n-1-start)/stride {
		return 0, invalidParam("start %d, stride %d, size %d select ranks beyond the parent's %d",
			start, stride, size, n)
	}
	return stride, nil
}
