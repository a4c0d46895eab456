package bootstrap

import "slices"

// sortedCopy returns ranks sorted, leaving the caller's slice alone.
func sortedCopy(ranks []int) []int {
	c := slices.Clone(ranks)
	slices.Sort(c)
	return c
}

// memberOrder checks members and returns the order of the result.
func (s *Session) memberOrder(op opKind, group string, members []int) ([]int, error) {
	if len(group) > maxGroupNameLen {
		return nil, bootstrapErr("%s: group name of %d bytes exceeds %d", op, len(group), maxGroupNameLen)
	}
	if members == nil {
		all := make([]int, s.cfg.Size)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	if len(members) == 0 {
		return nil, bootstrapErr("%s on group %q: empty member list (nil means every PE)", op, group)
	}
	seen := make(map[int]bool, len(members))
	for _, r := range members {
		if r < 0 || r >= s.cfg.Size {
			return nil, bootstrapErr("%s on group %q: member %d is out of range for %d PEs", op, group, r, s.cfg.Size)
		}
		if seen[r] {
			return nil, bootstrapErr("%s on group %q: member %d is listed twice", op, group, r)
		}
		seen[r] = true
	}
	if !seen[s.cfg.Rank] {
		return nil, bootstrapErr("%s on group %q: PE %d is not among the members %v", op, group, s.cfg.Rank, members)
	}
	return slices.Clone(members), nil
}
