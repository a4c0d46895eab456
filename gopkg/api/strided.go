package api

import "github.com/pyshmem/shmem/gopkg/internal/errcode"

// Iput is aclshmem_iput<N> / aclshmem_<T>_iput: nelems elements of size
// bytes from local source (sst elements apart) to symmetric dest on pe (dst
// elements apart). Done when it returns.
func Iput(dest, source, dst, sst, nelems int64, size, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, strided(true, dest, source, dst, sst, nelems, size, pe)
}

// Iget is aclshmem_iget<N> / aclshmem_<T>_iget: nelems elements of size bytes
// from symmetric source on pe (sst elements apart) to local dest (dst
// elements apart). Done when it returns.
func Iget(dest, source, dst, sst, nelems int64, size, pe int) (_ int, err error) {
	defer recoverInto(&err)
	return 0, strided(false, dest, source, dst, sst, nelems, size, pe)
}

func strided(put bool, dest, source, dst, sst, nelems int64, size, pe int) error {
	j, err := live()
	if err != nil {
		return err
	}
	if dest < 0 || source < 0 || nelems < 0 {
		return errcode.New(errcode.InvalidParam, "dest %d, source %d and nelems %d must not be negative", dest, source, nelems)
	}
	switch size {
	case 1, 2, 4, 8, 16:
	default:
		return errcode.New(errcode.InvalidParam, "element size %d is not 1, 2, 4, 8 or 16 bytes", size)
	}
	if put {
		return j.Strided(true, uintptr(dest), uintptr(source), dst, sst, uintptr(nelems), uintptr(size), pe)
	}
	return j.Strided(false, uintptr(source), uintptr(dest), sst, dst, uintptr(nelems), uintptr(size), pe)
}
