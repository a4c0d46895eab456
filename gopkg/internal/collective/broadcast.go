package collective

// Broadcast copies n bytes at src on member root to dst on every member, the
// root included (OpenSHMEM 1.5). dst and src are symmetric and may overlap.
func Broadcast(c Comm, dst, src, n uintptr, root int) error {
	if root < 0 || root >= c.Size() {
		return invalidParam("root %d is not a member of a team of %d", root, c.Size())
	}
	if err := checkPair(c, dst, n, src, n); err != nil {
		return err
	}
	return guarded(func() error {
		if err := c.Barrier(); err != nil {
			return err
		}
		// The others read the root's src until the next barrier: a root
		// whose dst overlaps its src must wait for them before writing.
		late := dst != src && overlaps(dst, n, src, n)
		if c.Rank() != root {
			if err := pull(c, dst, root, src, n); err != nil {
				return err
			}
		} else if !late {
			memmove(dst, src, n)
		}
		if err := c.Barrier(); err != nil {
			return err
		}
		if !late {
			return nil
		}
		if c.Rank() == root {
			memmove(dst, src, n)
		}
		return c.Barrier()
	})
}

// checkPair checks a destination and a source range (skipping empty ones).
func checkPair(c Comm, dst, dn, src, sn uintptr) error {
	if dn > 0 {
		if err := c.CheckSym(dst, dn, "dst"); err != nil {
			return err
		}
	}
	if sn > 0 {
		if err := c.CheckSym(src, sn, "src"); err != nil {
			return err
		}
	}
	return nil
}

// times is n*k, or false when it overflows.
func times(n uintptr, k int) (uintptr, bool) {
	if k <= 0 {
		return 0, false
	}
	p := n * uintptr(k)
	return p, p/uintptr(k) == n && p <= 1<<62
}
