package team

// Exchanger is the collective the job layer provides: every rank in members
// calls it with the same group and members; it returns each member's data in
// members order. It numbers successive calls of one group itself.
type Exchanger interface {
	Allgather(group string, members []int, data []byte) ([][]byte, error)
}
