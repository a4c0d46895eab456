package team

// Translate returns the rank in dstTeam of the PE that has rank srcPE in
// srcTeam; -1 when either team is invalid, srcPE is out of range, or that PE
// is not a member of dstTeam.
func (t *Table) Translate(srcTeam, srcPE, dstTeam int) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	src, ok := t.teams[srcTeam]
	if !ok || srcPE < 0 || srcPE >= len(src.team.Members) {
		return Invalid
	}
	dst, ok := t.teams[dstTeam]
	if !ok {
		return Invalid
	}
	if rank, ok := dst.rankOf[src.team.Members[srcPE]]; ok {
		return rank
	}
	return Invalid
}
