package api

import "github.com/pyshmem/shmem/gopkg/internal/job"

// The collectives over a team (beyond the seed). Addresses are symmetric
// addresses of this PE; every member of the team calls with the same sizes,
// root, dtype and op. The facade checks NumPy dtypes and shapes and passes
// the codes of package collective (dtype: int8=1, int16, int32, int64, uint8,
// uint16, uint32, uint64, float32, float64=10; op: sum=0, prod, min, max, and,
// or, xor=6).

// Broadcast copies nbytes at src on team rank root to dst on every member.
func Broadcast(team int, dst, src, nbytes int64, root int) (_ int, err error) {
	defer recoverInto(&err)
	j, d, s, n, err := collectiveArgs(dst, src, nbytes, "nbytes")
	if err != nil {
		return 0, err
	}
	return 0, j.Broadcast(team, d, s, n, root)
}

// Fcollect gathers nbytes at src of every member into dst (team size *
// nbytes) in team rank order, on every member.
func Fcollect(team int, dst, src, nbytes int64) (_ int, err error) {
	defer recoverInto(&err)
	j, d, s, n, err := collectiveArgs(dst, src, nbytes, "nbytes")
	if err != nil {
		return 0, err
	}
	return 0, j.Fcollect(team, d, s, n)
}

// Alltoall sends block i (nbytes) of src to member i, which stores it at
// block (this PE's team rank) of its dst; src and dst hold team size * nbytes.
func Alltoall(team int, dst, src, nbytes int64) (_ int, err error) {
	defer recoverInto(&err)
	j, d, s, n, err := collectiveArgs(dst, src, nbytes, "nbytes")
	if err != nil {
		return 0, err
	}
	return 0, j.Alltoall(team, d, s, n)
}

// Reduce sets count elements at dst on every member to the reduction with op
// of the members' count elements at src.
func Reduce(team int, dst, src, count int64, dtype, op int) (_ int, err error) {
	defer recoverInto(&err)
	j, d, s, n, err := collectiveArgs(dst, src, count, "count")
	if err != nil {
		return 0, err
	}
	return 0, j.Reduce(team, d, s, n, dtype, op)
}

func collectiveArgs(dst, src, n int64, what string) (j *job.Job, d, s, count uintptr, err error) {
	if j, err = live(); err != nil {
		return nil, 0, 0, 0, err
	}
	if d, err = addr(dst, "dst"); err != nil {
		return nil, 0, 0, 0, err
	}
	if s, err = addr(src, "src"); err != nil {
		return nil, 0, 0, 0, err
	}
	if count, err = size(n, what); err != nil {
		return nil, 0, 0, 0, err
	}
	return j, d, s, count, nil
}
