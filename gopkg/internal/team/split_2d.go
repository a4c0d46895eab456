package team

// Split2D views the parent's ranks as rows of xRange and creates two teams
// per PE: x, its row (consecutive ranks; the last row may be short), and y,
// its column (stride xRange). As in Ascend, each is computed locally and
// agreed among its own members only (rows first, then columns, the same
// order on every PE). xRange < 1 is InvalidParam; xRange above the parent's
// size is clamped to it. When the column's agreement fails, this PE keeps
// neither team.
func (t *Table) Split2D(ex Exchanger, parent, xRange int, xCfg, yCfg Config) (x, y int, err error) {
	t.splitMu.Lock()
	defer t.splitMu.Unlock()

	p, err := t.lookup(parent)
	if err != nil {
		return Invalid, Invalid, err
	}
	n := len(p.Members)
	if xRange < 1 {
		return Invalid, Invalid, invalidParam("x_range %d: must be at least 1", xRange)
	}
	xRange = min(xRange, n)
	if err := xCfg.check(); err != nil {
		return Invalid, Invalid, err
	}
	if err := yCfg.check(); err != nil {
		return Invalid, Invalid, err
	}
	row, col := p.MyRank/xRange, p.MyRank%xRange
	var rowMembers []int
	for r := row * xRange; r < min((row+1)*xRange, n); r++ {
		rowMembers = append(rowMembers, p.Members[r])
	}
	var colMembers []int
	for r := col; r < n; r += xRange {
		colMembers = append(colMembers, p.Members[r])
	}
	if x, err = t.agree(ex, rowMembers, t.next()); err != nil {
		return Invalid, Invalid, err
	}
	if y, err = t.agree(ex, colMembers, x+1); err != nil {
		return Invalid, Invalid, err
	}
	t.reserve(y + 1)
	t.install(Team{ID: x, Members: rowMembers, MyRank: col, Config: xCfg, Parent: parent})
	t.install(Team{ID: y, Members: colMembers, MyRank: row, Config: yCfg, Parent: parent})
	return x, y, nil
}
