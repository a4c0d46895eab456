package bootstrap

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAllgatherResultFollowsGivenOrder(t *testing.T) {
	done := leakCheck(t)
	sessions := joinAll(t, 4, nil)
	// Subgroup {0, 2} given in two different orders, and {1, 3} at the same
	// time on another group; each result follows its caller's order.
	errs := everyRank(sessions, func(s *Session) error {
		data := []byte(fmt.Sprintf("pe%d", s.Rank()))
		want := map[int][]string{0: {"pe2", "pe0"}, 2: {"pe0", "pe2"}, 1: {"pe3", "pe1"}, 3: {"pe3", "pe1"}}[s.Rank()]
		order := map[int][]int{0: {2, 0}, 2: {0, 2}, 1: {3, 1}, 3: {3, 1}}[s.Rank()]
		group := map[bool]string{true: "even", false: "odd"}[s.Rank()%2 == 0]
		for range 3 { // repeated calls on a group match up in order
			got, err := s.Allgather(group, order, data)
			if err != nil {
				return err
			}
			assert.Equal(t, want, toStrings(got), "rank %d", s.Rank())
		}
		got, err := s.Allgather("world", nil, data)
		if err != nil {
			return err
		}
		assert.Equal(t, []string{"pe0", "pe1", "pe2", "pe3"}, toStrings(got))
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
	done()
}

func toStrings(b [][]byte) []string {
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = string(x)
	}
	return out
}

func TestAllgatherCarriesEmptyAndLargeData(t *testing.T) {
	sessions := joinAll(t, 2, nil)
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	errs := everyRank(sessions, func(s *Session) error {
		mine := big
		if s.Rank() == 1 {
			mine = nil
		}
		got, err := s.Allgather("g", nil, mine)
		if err == nil {
			assert.Equal(t, big, got[0])
			assert.Empty(t, got[1])
		}
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
}

func TestCollectiveArgumentErrors(t *testing.T) {
	sessions := joinAll(t, 3, nil)
	s := sessions[1]
	for name, members := range map[string][]int{
		"empty":        {},
		"out of range": {1, 3},
		"negative":     {-1, 1},
		"twice":        {1, 1, 2},
		"not a member": {0, 2},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Allgather("g", members, nil)
			requireCode(t, err, errcode.BootstrapError, "allgather on group \"g\"")
			requireCode(t, s.Barrier("g", members), errcode.BootstrapError, "barrier on group \"g\"")
		})
	}
	long := string(make([]byte, maxGroupNameLen+1))
	requireCode(t, s.Barrier(long, nil), errcode.BootstrapError, "group name")
	// Rejected calls do not count: the group still lines up.
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("g", nil) }) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
}

func TestMismatchedMembersFailEveryCaller(t *testing.T) {
	sessions := joinAll(t, 3, nil)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = sessions[0].Barrier("g", []int{0, 1}) })
	time.Sleep(50 * time.Millisecond) // rank 0 defines the members
	wg.Go(func() { errs[1] = sessions[1].Barrier("g", []int{0, 1, 2}) })
	wg.Wait()
	for _, err := range errs {
		requireCode(t, err, errcode.BootstrapError, "PE 1 called barrier on group \"g\" (call 0) with members [0 1 2], PE 0 called barrier with members [0 1]")
	}
	// Rank 2 arriving later learns at once instead of waiting forever.
	requireCode(t, sessions[2].Barrier("g", []int{0, 1, 2}), errcode.BootstrapError, "with members [0 1 2]")

	// A barrier never matches an allgather.
	errs = everyRank(sessions[:2], func(s *Session) error {
		if s.Rank() == 0 {
			return s.Barrier("h", []int{0, 1})
		}
		_, err := s.Allgather("h", []int{0, 1}, nil)
		return err
	})
	for _, err := range errs {
		requireCode(t, err, errcode.BootstrapError, "called")
	}
	closeAll(t, sessions)
}

func TestOpTimeoutNamesTheAbsent(t *testing.T) {
	sessions := joinAll(t, 3, func(c *Config) { c.OpTimeout = 200 * time.Millisecond })
	start := time.Now()
	errs := everyRank(sessions[:2], func(s *Session) error { return s.Barrier("world", nil) })
	for _, err := range errs {
		requireCode(t, err, errcode.TimeoutError, "barrier on group \"world\" (call 0) timed out after 200ms", "PE 2 never entered")
	}
	assert.Less(t, time.Since(start), 20*time.Second, "guards against a hang only")
	// The late rank fails with the same story (naming itself) instead of
	// waiting out a timeout of its own, which would name PEs 0 and 1.
	requireCode(t, sessions[2].Barrier("world", nil), errcode.TimeoutError, "PE 2 never entered")
	// The next call on the group lines up again.
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
}

func TestConcurrentGroupsOnOneSession(t *testing.T) {
	done := leakCheck(t)
	const size, groups, rounds = 4, 4, 30
	sessions := joinAll(t, size, func(c *Config) { c.OpTimeout = 10 * time.Second })
	var wg sync.WaitGroup
	for _, s := range sessions {
		for g := range groups {
			wg.Go(func() {
				group := fmt.Sprintf("g%d", g)
				for round := range rounds {
					got, err := s.Allgather(group, nil, []byte(fmt.Sprintf("%d/%d/%d", g, round, s.Rank())))
					if !assert.NoError(t, err) {
						return
					}
					for r, d := range got {
						assert.Equal(t, fmt.Sprintf("%d/%d/%d", g, round, r), string(d))
					}
				}
			})
		}
	}
	wg.Wait()
	closeAll(t, sessions)
	done()
}

func TestCollectiveWithDepartedRankFails(t *testing.T) {
	// Patient: "already left" rather than a timeout is the prompt answer.
	sessions := joinAll(t, 3, func(c *Config) { c.OpTimeout = patient })
	require.NoError(t, sessions[2].Close())
	requireCode(t, sessions[1].Barrier("world", nil), errcode.BootstrapError, "PE 2", "already left")
	// A collective among the remaining ranks still works.
	for _, err := range everyRank(sessions[:2], func(s *Session) error { return s.Barrier("pair", []int{0, 1}) }) {
		require.NoError(t, err)
	}
	// A collective already waiting for a rank that then leaves fails too.
	res := make(chan error, 1)
	go func() { res <- sessions[0].Barrier("pair", []int{0, 1}) }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, sessions[1].Close())
	requireCode(t, <-res, errcode.BootstrapError, "PE 1", "already left")
	require.NoError(t, sessions[0].Close())
	requireCode(t, sessions[0].Barrier("world", nil), errcode.BootstrapError, "closed")
}
