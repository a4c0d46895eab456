package collective

// Comm is one member's view of its team. Ranks are numbers inside the team;
// addresses are symmetric addresses in this member's own numbering.
type Comm interface {
	// Size is the number of members; Rank is this member's rank.
	Size() int
	Rank() int
	// Peer is the address in this process of member rank's copy of the
	// symmetric address sym, 0 when that copy is not load/store reachable.
	// Peer(Rank(), sym) is sym itself.
	Peer(rank int, sym uintptr) uintptr
	// Get copies n bytes of member rank's copy of sym to local memory dst.
	Get(dst uintptr, rank int, sym, n uintptr) error
	// CheckSym fails unless [sym, sym+n) lies inside the symmetric heap;
	// what names the argument in the error.
	CheckSym(sym, n uintptr, what string) error
	// Barrier completes this member's transfers and waits for all members.
	Barrier() error
}
