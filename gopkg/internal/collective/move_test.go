package collective

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// moveLayout places a source of sn bytes and a destination of dn bytes: apart,
// at the same address, or shifted by a few bytes either way.
func moveLayout(place string, dn, sn uintptr) (src, dst, heap uintptr) {
	src = srcOff
	switch place {
	case "apart":
		dst = srcOff + sn + 64
	case "inplace":
		dst = srcOff
	case "ahead":
		dst = srcOff + 3
	case "behind":
		dst = srcOff - 3
	}
	return src, dst, srcOff + sn + dn + 256
}

var moveSizes = []uintptr{0, 1, 13, 5000}

func TestBroadcast(t *testing.T) {
	for size := 1; size <= 8; size++ {
		for _, root := range []int{0, size / 2, size - 1} {
			for _, p := range placements {
				for _, rm := range reachModes {
					for _, n := range moveSizes {
						t.Run(name(size, "/", root, "/", p.name, "/", rm.name, "/", n), func(t *testing.T) {
							src, dst, heap := moveLayout(p.name, n, n)
							team := newFakeTeam(size, heap, rm.reach)
							rng := rand.New(rand.NewPCG(uint64(size), uint64(n)))
							for rank := range size {
								copy(team.at(rank, src, n), randomBytes(rng, n))
							}
							want := bytes.Clone(team.at(root, src, n))
							team.mustRun(t, func(c *fakeComm) error {
								return Broadcast(c, team.sym(c.rank, dst), team.sym(c.rank, src), n, root)
							})
							for rank := range size {
								require.Equal(t, want, team.at(rank, dst, n), "member %d", rank)
							}
						})
					}
				}
			}
		}
	}
}

func TestFcollect(t *testing.T) {
	for size := 1; size <= 8; size++ {
		for _, p := range placements {
			for _, rm := range reachModes {
				for _, n := range moveSizes {
					t.Run(name(size, "/", p.name, "/", rm.name, "/", n), func(t *testing.T) {
						total := n * uintptr(size)
						src, dst, heap := moveLayout(p.name, total, n)
						team := newFakeTeam(size, heap, rm.reach)
						rng := rand.New(rand.NewPCG(uint64(size), uint64(n)))
						want := []byte{}
						for rank := range size {
							b := randomBytes(rng, n)
							copy(team.at(rank, src, n), b)
							want = append(want, b...)
						}
						team.mustRun(t, func(c *fakeComm) error {
							return Fcollect(c, team.sym(c.rank, dst), team.sym(c.rank, src), n)
						})
						for rank := range size {
							require.Equal(t, want, append([]byte{}, team.at(rank, dst, total)...), "member %d", rank)
						}
					})
				}
			}
		}
	}
}

func TestAlltoall(t *testing.T) {
	for size := 1; size <= 8; size++ {
		for _, p := range placements {
			for _, rm := range reachModes {
				for _, n := range moveSizes {
					t.Run(name(size, "/", p.name, "/", rm.name, "/", n), func(t *testing.T) {
						total := n * uintptr(size)
						src, dst, heap := moveLayout(p.name, total, total)
						team := newFakeTeam(size, heap, rm.reach)
						rng := rand.New(rand.NewPCG(uint64(size), uint64(n)))
						sent := make([][]byte, size)
						for rank := range size {
							sent[rank] = randomBytes(rng, total)
							copy(team.at(rank, src, total), sent[rank])
						}
						team.mustRun(t, func(c *fakeComm) error {
							return Alltoall(c, team.sym(c.rank, dst), team.sym(c.rank, src), n)
						})
						for i := range size {
							for j := range size {
								require.Equal(t, sent[j][uintptr(i)*n:uintptr(i+1)*n],
									team.at(i, dst+uintptr(j)*n, n), "block from %d at %d", j, i)
							}
						}
					})
				}
			}
		}
	}
}
