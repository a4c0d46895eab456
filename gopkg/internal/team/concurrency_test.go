package team

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Readers on every PE run while that PE splits and destroys teams; -race
// checks the locking, the assertions check that reads stay coherent.
func TestConcurrentReadsDuringSplits(t *testing.T) {
	const n = 4
	const rounds = 20
	j := newJob(n)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for pe, tab := range j.tables {
		for range 2 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					for id := World; id <= 2*rounds+1; id++ {
						size := tab.NPes(id)
						me := tab.MyPE(id)
						if team, ok := tab.Get(id); ok {
							assert.Equal(t, pe, team.Members[team.MyRank])
							// the team may be destroyed meanwhile, never replaced (ids are not reused)
							if world := tab.Translate(id, team.MyRank, World); world != -1 {
								assert.Equal(t, pe, world)
							}
						}
						if size == -1 {
							continue
						}
						assert.True(t, me == -1 || me < size, "rank %d of %d", me, size)
					}
				}
			}()
		}
	}
	j.run(t, func(pe int, tab *Table, ex Exchanger) {
		for r := range rounds {
			id, err := tab.SplitStrided(ex, World, r%n, 1, 1+(n-1-r%n), Config{})
			assert.NoError(t, err)
			x, y, err := tab.Split2D(ex, World, 2, Config{}, Config{})
			assert.NoError(t, err)
			if id != Invalid {
				assert.NoError(t, tab.Destroy(id))
			}
			assert.NoError(t, tab.Destroy(x))
			if r%2 == 0 {
				assert.NoError(t, tab.Destroy(y))
			}
		}
	})
	close(stop)
	readers.Wait()
	for pe, tab := range j.tables {
		assert.Equal(t, firstSplitID+3*rounds, tab.nextID, "PE %d", pe)
		tab.mu.RLock()
		assert.Len(t, tab.teams, 1+rounds/2, "PE %d: WORLD and the kept y teams", pe)
		tab.mu.RUnlock()
	}
}
