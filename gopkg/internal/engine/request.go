package engine

import "github.com/pyshmem/shmem/gopkg/internal/transport"

// request is one checked user call: n bytes between local memory here and PE
// pe's heap at off, which is mapped here at remote.
type request struct {
	heaps  *heapMap
	dir    direction
	pe     int
	local  uintptr
	off    uintptr
	remote uintptr
	n      uintptr
}

// newRequest checks a call's arguments; it touches no memory. n must be > 0.
func newRequest(heaps *heapMap, dir direction, pe int, local, off, n uintptr) (request, error) {
	remote, err := heaps.remote(pe, off, n)
	if err != nil {
		return request{}, err
	}
	if local == 0 {
		return request{}, errLocalFault(dir, local, n)
	}
	if local+n < local {
		return request{}, transport.ErrLocalWraps(local, n)
	}
	return request{heaps: heaps, dir: dir, pe: pe, local: local, off: off, remote: remote, n: n}, nil
}

// copyAll copies the whole request.
func (r *request) copyAll() error {
	return r.copyRange(0, r.n)
}

// copyRange copies bytes [lo, hi) of the request, turning a memory fault into
// an error. The fault flag is per goroutine, so it is set here, in whichever
// goroutine copies, and the caller's previous setting is restored.
func (r *request) copyRange(lo, hi uintptr) (err error) {
	dst, src := r.remote+lo, r.local+lo
	if r.dir == fromPeer {
		dst, src = src, dst
	}
	prev := setPanicOnFault()
	defer func() {
		restorePanicOnFault(prev)
		if fault := recover(); fault != nil {
			err = r.faultError(fault, lo, hi)
		}
	}()
	if hi-lo >= bigCopy {
		localSafe := r.heaps.trusts(r.local+lo, hi-lo)
		remoteSafe := r.heaps.trusted
		if r.dir == fromPeer {
			copyBig(dst, src, hi-lo, localSafe, remoteSafe)
		} else {
			copyBig(dst, src, hi-lo, remoteSafe, localSafe)
		}
		return nil
	}
	copy(bytesAt(dst, hi-lo), bytesAt(src, hi-lo))
	return nil
}

// faultError names the side that faulted: the peer's heap when the fault
// address lies in the remote range, the user's local buffer otherwise (faults
// in the first page, as at address 8, carry no address and are always local:
// heap bases are never that low).
func (r *request) faultError(fault any, lo, hi uintptr) error {
	if addr, ok := faultAddress(fault); ok && addr >= r.remote+lo && addr < r.remote+hi {
		return errRemoteFault(r.pe, r.off+(addr-r.remote))
	}
	return errLocalFault(r.dir, r.local, r.n)
}

// landed wakes the target PE's sleepers after a put's last byte is in place
// (a get changes no heap but the caller's, which wakes nobody).
func (r *request) landed() {
	if r.dir == toPeer {
		r.heaps.woken(r.pe)
	}
}
