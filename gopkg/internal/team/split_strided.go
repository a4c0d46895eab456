package team

// SplitStrided creates a team of the parent's ranks start, start+stride, ...,
// start+(size-1)*stride. It is collective over all members of the parent,
// selected or not. Members get the new id, the others Invalid and no error.
// Arguments that do not fit the parent are InvalidParam on every member.
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
	want := request{kind: kindStrided, parent: int64(parent), a: int64(start), b: int64(stride), c: int64(size)}
	id, err := t.agree(ex, p, want, 1)
	if err != nil {
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
	t.install(Team{ID: id, Members: members, MyRank: offset / stride, Config: cfg, Parent: parent})
	return id, nil
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
