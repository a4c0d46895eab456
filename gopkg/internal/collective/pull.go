package collective

// pull copies n bytes of member rank's copy of sym to local memory dst:
// directly when the peer's heap is mapped here, through Get otherwise.
func pull(c Comm, dst uintptr, rank int, sym, n uintptr) error {
	if n == 0 {
		return nil
	}
	if p := c.Peer(rank, sym); p != 0 {
		memmove(dst, p, n)
		return nil
	}
	return c.Get(dst, rank, sym, n)
}
