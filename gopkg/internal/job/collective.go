package job

import (
	"github.com/pyshmem/shmem/gopkg/internal/collective"
	"github.com/pyshmem/shmem/gopkg/internal/errcode"
)

// teamComm is this PE's view of one team for the collective package: team
// ranks translate to world PEs through the team's member list, peers' heaps
// are reached through the job's mappings, and the barrier is the team's.
type teamComm struct {
	j       *Job
	id      int
	members []int // world PEs; index = rank in the team
	me      int
}

// comm returns the view of team id, or InvalidParam when this PE is not a
// member (a non-member cannot take part in the team's collectives).
func (j *Job) comm(id int) (*teamComm, error) {
	members, ok := j.teams.Members(id)
	me := j.teams.MyPE(id)
	if !ok || me < 0 {
		return nil, errcode.New(errcode.InvalidParam, "team %d is not a team of this PE", id)
	}
	return &teamComm{j: j, id: id, members: members, me: me}, nil
}

func (c *teamComm) Size() int { return len(c.members) }
func (c *teamComm) Rank() int { return c.me }

func (c *teamComm) Peer(rank int, sym uintptr) uintptr {
	if rank < 0 || rank >= len(c.members) {
		return 0
	}
	return c.j.Ptr(sym, c.members[rank])
}

func (c *teamComm) Get(dst uintptr, rank int, sym, n uintptr) error {
	if rank < 0 || rank >= len(c.members) {
		return errcode.New(errcode.InvalidParam, "rank %d is not in team %d", rank, c.id)
	}
	return c.j.Get(dst, sym, n, c.members[rank], false)
}

func (c *teamComm) CheckSym(sym, n uintptr, what string) error {
	_, err := c.j.symOffset(sym, n, what)
	return err
}

func (c *teamComm) Barrier() error { return c.j.Barrier(c.id) }

// Broadcast copies n bytes at symmetric src on team rank root to symmetric
// dst on every member of team id (the root too).
func (j *Job) Broadcast(id int, dst, src, n uintptr, root int) error {
	c, err := j.comm(id)
	if err != nil {
		return err
	}
	return collective.Broadcast(c, dst, src, n, root)
}

// Fcollect gathers n bytes at src of every member of team id into dst, in
// team rank order, on every member.
func (j *Job) Fcollect(id int, dst, src, n uintptr) error {
	c, err := j.comm(id)
	if err != nil {
		return err
	}
	return collective.Fcollect(c, dst, src, n)
}

// Alltoall sends block i (n bytes) of src to team rank i's dst, at block
// (this PE's team rank).
func (j *Job) Alltoall(id int, dst, src, n uintptr) error {
	c, err := j.comm(id)
	if err != nil {
		return err
	}
	return collective.Alltoall(c, dst, src, n)
}

// Reduce is the all-reduction of count elements of type dtype with op over
// team id (codes of package collective).
func (j *Job) Reduce(id int, dst, src, count uintptr, dtype, op int) error {
	c, err := j.comm(id)
	if err != nil {
		return err
	}
	return collective.Reduce(c, dst, src, count, collective.Dtype(dtype), collective.Op(op))
}
