package api

// MyPe is my_pe(): this PE's number, -1 before init.
func MyPe() (pe int) {
	defer recoverCode(&pe)
	if j := current.Load(); j != nil {
		return j.Rank()
	}
	return -1
}

// NPes is pe_count(): the number of PEs, -1 before init.
func NPes() (n int) {
	defer recoverCode(&n)
	if j := current.Load(); j != nil {
		return j.Size()
	}
	return -1
}

// TeamMyPe is team_my_pe / my_pe(team): -1 for an invalid team or before init.
func TeamMyPe(team int) (pe int) {
	defer recoverCode(&pe)
	if j := current.Load(); j != nil {
		return j.TeamMyPE(team)
	}
	return -1
}

// TeamNPes is team_n_pes / pe_count(team): -1 for an invalid team or before init.
func TeamNPes(team int) (n int) {
	defer recoverCode(&n)
	if j := current.Load(); j != nil {
		return j.TeamNPes(team)
	}
	return -1
}
