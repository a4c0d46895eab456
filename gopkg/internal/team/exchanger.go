package team

import "strconv"

// Exchanger is the collective the job layer provides: every rank in members
// calls it with the same group and members; it returns each member's data in
// members order. It numbers successive calls of one group itself.
type Exchanger interface {
	Allgather(group string, members []int, data []byte) ([][]byte, error)
}

// groupName names the exchange group of a parent team: unique for the job
// because teams with equal ids are disjoint and ids are never reused.
func groupName(parent *Team) string {
	return groupPrefix + strconv.Itoa(parent.ID) + "/" + strconv.Itoa(parent.Members[0])
}
