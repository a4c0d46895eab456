package job

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRanges(t *testing.T) {
	assert.Equal(t, "", Ranges(nil))
	assert.Equal(t, "3", Ranges([]int{3}))
	assert.Equal(t, "0-3,6,8-9", Ranges([]int{0, 1, 2, 3, 6, 8, 9}))
}

// startLogged starts a job of two PEs in this process, each logging into
// its own list.
func startLogged(t *testing.T, engine int) ([2]*Job, [2][]string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var jobs [2]*Job
	var errs [2]error
	var logs [2][]string
	var wg sync.WaitGroup
	for rank := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobs[rank], errs[rank] = Start(Options{
				Rank: rank, Size: 2, MemSize: 1 << 20, Addr: addr, Engine: engine,
				InitTimeout: 10 * time.Second, CreateTimeout: 5 * time.Second, OpTimeout: 10 * time.Second,
				Log: func(level int, msg string) { logs[rank] = append(logs[rank], strings.Repeat("I", level/20)+msg) },
			}, nil, nil)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	return jobs, logs
}

func TestInfoSaysHowEachPeerIsReached(t *testing.T) {
	for _, tc := range []struct {
		engine int
		path   string
	}{{EngineMTE, PathMTE}, {EngineSDMA, PathSDMA}, {EngineROCE, PathNetwork}} {
		jobs, logs := startLogged(t, tc.engine)
		for rank, j := range jobs {
			in := j.Info()
			other := 1 - rank
			assert.Equal(t, rank, in.Rank)
			assert.Equal(t, 2, in.Size)
			assert.Equal(t, jobs[0].opts.Addr, in.Rendezvous)
			require.Len(t, in.Peers, 2)
			assert.Equal(t, PathSelf, in.Peers[rank].Engine)
			assert.Equal(t, tc.path, in.Peers[other].Engine, in.Peers[other].Reason)
			assert.Equal(t, osHostname(), in.Peers[other].Host)
			assert.Equal(t, tc.engine == EngineROCE, in.NetAddr != "")
			names := []string{}
			for _, s := range in.Steps {
				names = append(names, s.Name)
			}
			want := []string{"heap", "rendezvous", "exchange", "map", "engine"}
			if tc.engine == EngineROCE {
				want = append(want, "network")
			}
			assert.Equal(t, want, names)
			assert.Positive(t, in.InitMillis)
			// One INFO line, the summary, last; DEBUG lines for every step before it.
			last := logs[rank][len(logs[rank])-1]
			assert.True(t, strings.HasPrefix(last, "I"), last)
			assert.Contains(t, last, tc.path+" to PEs "+Ranges([]int{other}))
			assert.Contains(t, last, "met at "+in.Rendezvous)
			debug := strings.Join(logs[rank][:len(logs[rank])-1], "\n")
			for _, w := range want {
				assert.Contains(t, debug, "init: "+w+" (")
			}
		}
		var wg sync.WaitGroup
		var fin [2][]string
		for rank, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				transfers, meeting := j.Finalize(func(level int, msg string) { fin[rank] = append(fin[rank], msg) })
				assert.NoError(t, transfers)
				assert.NoError(t, meeting)
			}()
		}
		wg.Wait()
		for rank := range 2 {
			require.NotEmpty(t, fin[rank])
			assert.Contains(t, fin[rank][len(fin[rank])-1], "finalised in")
		}
	}
}
