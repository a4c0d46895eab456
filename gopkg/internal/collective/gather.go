package collective

import "runtime"

// Fcollect is the all-gather: member i's n bytes at src land at dst+i*n on
// every member. dst holds Size()*n bytes; dst and src may overlap.
func Fcollect(c Comm, dst, src, n uintptr) error {
	total, ok := times(n, c.Size())
	if !ok {
		return invalidParam("%d members times %d bytes is too large", c.Size(), n)
	}
	if err := checkPair(c, dst, total, src, n); err != nil {
		return err
	}
	return guarded(func() error {
		return exchange(c, dst, total, src, n, src, n)
	})
}

// Alltoall sends block i (n bytes) of every member's src to block j of member
// i's dst, where j is the sender's rank. dst and src hold Size()*n bytes each
// and may overlap.
func Alltoall(c Comm, dst, src, n uintptr) error {
	total, ok := times(n, c.Size())
	if !ok {
		return invalidParam("%d members times %d bytes is too large", c.Size(), n)
	}
	if err := checkPair(c, dst, total, src, total); err != nil {
		return err
	}
	me := uintptr(c.Rank())
	return guarded(func() error {
		return exchange(c, dst, total, src, total, src+me*n, n)
	})
}

// exchange pulls n bytes at the symmetric address from of every member rank
// to dst+rank*n. Members start with the one after them, so they do not all
// read the same peer at once. When dst overlaps src (dn and sn bytes long)
// the blocks are gathered into a private buffer first, and written after the
// others have finished reading this member's src.
func exchange(c Comm, dst, dn, src, sn, from, n uintptr) error {
	if err := c.Barrier(); err != nil {
		return err
	}
	staged := overlaps(dst, dn, src, sn)
	out, buf := dst, []byte(nil)
	if staged {
		buf = aligned8(dn)
		out = addrOf(buf)
	}
	size, me := c.Size(), c.Rank()
	for k := range size {
		rank := (me + 1 + k) % size
		if err := pull(c, out+uintptr(rank)*n, rank, from, n); err != nil {
			return err
		}
	}
	if staged {
		if err := c.Barrier(); err != nil {
			return err
		}
		memmove(dst, out, dn)
		runtime.KeepAlive(buf) // known to Go only by its address since addrOf
	}
	return c.Barrier()
}
