package team

import (
	"strconv"
	"strings"
)

// agree runs the collective step of a split over the members of the new
// team only, as Ascend computes a split locally on each PE: PEs outside the
// team take no part, so PEs may pass different arguments as long as the
// members of each new team describe the same team. It returns the id that is
// free on every member, without reserving it (the caller does, once the team
// is installed). Members meet in a group named after the member list, so a
// PE that names other members than its partners do waits in another group:
// it gets the Exchanger's error (a timeout), never a team the others see
// differently. The caller holds splitMu, so nextID cannot move underneath.
func (t *Table) agree(ex Exchanger, members []int, next int) (int, error) {
	want := describe(members)
	mine := proposal{request: want, nextID: int64(next)}
	var rows [][]byte
	if len(members) == 1 {
		rows = [][]byte{encodeProposal(mine)}
	} else {
		if ex == nil {
			return 0, innerError("no exchanger for a team of %d PEs", len(members))
		}
		var err error
		rows, err = ex.Allgather(memberGroup(members), members, encodeProposal(mine))
		if err != nil {
			return 0, exchangeError(err)
		}
	}
	return pickID(len(members), want, rows)
}

// describe is what the members of a new team must agree on: its member list,
// as first world rank, stride and size when it is an arithmetic progression
// (every team a strided or 2-D split makes), a hash of it otherwise.
func describe(members []int) request {
	r := request{kind: kindStrided, a: int64(members[0]), c: int64(len(members))}
	if len(members) > 1 {
		r.b = int64(members[1] - members[0])
	}
	for i := 2; i < len(members); i++ {
		if int64(members[i]-members[i-1]) != r.b {
			r.kind, r.b = kindList, listHash(members)
			break
		}
	}
	return r
}

func listHash(members []int) int64 {
	h := uint64(14695981039346656037) // FNV-1a
	for _, m := range members {
		h = (h ^ uint64(m)) * 1099511628211
	}
	return int64(h)
}

// memberGroup names the exchange of the members of one new team: the same
// on every member, and different for teams of other members.
func memberGroup(members []int) string {
	r := describe(members)
	if r.kind == kindStrided {
		return groupPrefix + "split/" + strconv.FormatInt(r.a, 10) + "+" + strconv.FormatInt(r.b, 10) +
			"x" + strconv.FormatInt(r.c, 10)
	}
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = strconv.Itoa(m)
	}
	return groupPrefix + "split/" + strings.Join(parts, ",")
}

// pickID decides from the exchanged rows. Every member sees the same rows,
// so every member reaches the same verdict: a malformed row beats a mismatch,
// and "some row differs from mine" holds on one member exactly when it holds
// on all (each member's own row is in the list).
func pickID(n int, want request, rows [][]byte) (int, error) {
	if len(rows) != n {
		return 0, innerError("exchange over %d members returned %d rows", n, len(rows))
	}
	proposals := make([]proposal, len(rows))
	var highest int64
	for i, raw := range rows {
		p, err := decodeProposal(raw)
		if err != nil {
			return 0, innerError("member %d sent a %v", i, err)
		}
		if p.nextID < firstSplitID {
			return 0, innerError("member %d proposed team id %d", i, p.nextID)
		}
		proposals[i] = p
		highest = max(highest, p.nextID)
	}
	for i, p := range proposals {
		if p.request != want {
			return 0, invalidParam("members disagree about the new team: member %d described %v, this PE %v",
				i, p.request, want)
		}
	}
	if highest > int64(maxTeamID) {
		return 0, innerError("team ids exhausted (next free id %d)", highest)
	}
	return int(highest), nil
}
