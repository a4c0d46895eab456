package bootstrap

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keyed(id string, key []byte) func(*Config) {
	return func(c *Config) { c.JobID, c.JobKey = id, key }
}

// A process that does not know the job key is refused, even for a rank
// that has not arrived, and the job joins without it; the members share a
// data secret that no frame carried.
func TestStrangerWithoutTheKeyIsRefused(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	key := []byte("0123456789abcdef0123456789abcdef")
	cfgs := []Config{testConfig(addr, 0, 2), testConfig(addr, 1, 2)}
	for i := range cfgs {
		keyed("test:job", key)(&cfgs[i])
	}
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), cfgs[0])
		s0 <- joined{s: s, err: err}
	}()
	stranger := dialEventually(t, addr)
	m := readReject(t, rawHello(t, stranger, cfgs[1], []byte("a guess")))
	assert.Equal(t, verdictFinal, m.verdict)
	assert.Contains(t, m.msg, "could not prove that it belongs to job test:job")
	stranger.Close()

	s1, err := Join(context.Background(), cfgs[1])
	require.NoError(t, err)
	j := <-s0
	require.NoError(t, j.err)
	secret := j.s.DataSecret()
	require.Len(t, secret, macLen)
	assert.Equal(t, secret, s1.DataSecret())
	assert.False(t, bytes.Contains(secret, key))
	closeAll(t, []*Session{j.s, s1})

	plain := joinAll(t, 1, nil)
	assert.Nil(t, plain[0].DataSecret(), "no key, no derived secret")
	closeAll(t, plain)
	done()
}

// fakeRankZero accepts one connection, greets it as jobID's rank 0 would and
// then answers the Hello with answer (nil: hangs up).
func fakeRankZero(t *testing.T, jobID string, answer func(ch, hello []byte) []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, _, err := readFrame(c, maxHandshakeFrameLen); err != nil {
			return
		}
		nonce := newNonce()
		_, _ = c.Write(challengeMsg{magic: protocolMagic, version: protocolVersion, nonce: nonce, jobID: jobID}.encode())
		_, payload, err := readFrame(c, maxHandshakeFrameLen)
		if err != nil {
			return
		}
		if answer != nil {
			_, _ = c.Write(answer(nonce, payload))
		}
	}()
	return ln.Addr().String()
}

// A process posing as rank 0 without the key cannot welcome a PE.
func TestFakeRankZeroIsNotTrusted(t *testing.T) {
	addr := fakeRankZero(t, "test:job", func(_, hello []byte) []byte {
		return welcomeMsg{size: 2, jobNonce: newNonce(), mac: bytes.Repeat([]byte{7}, macLen)}.encode()
	})
	cfg := testConfig(addr, 1, 2)
	keyed("test:job", []byte("secret"))(&cfg)
	_, err := Join(context.Background(), cfg)
	requireCode(t, err, errcode.BootstrapError, "could not prove that it is PE 0 of job test:job")
}

// Rank 0 dying while a PE waits in the join is reported at once.
func TestRankZeroDeathDuringJoinIsReportedAtOnce(t *testing.T) {
	addr := fakeRankZero(t, "", nil)
	cfg := testConfig(addr, 1, 2)
	cfg.JoinTimeout = patient // "died", not a timeout: the drop itself ended the wait
	_, err := Join(context.Background(), cfg)
	requireCode(t, err, errcode.BootstrapError, "PE 0 at "+addr+" died during init")
}

// A PE that dies while the others wait in the join fails the join for
// everyone present at once, not at the join timeout.
func TestDeathDuringJoinIsReportedAtOnce(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	cfgs := []Config{testConfig(addr, 0, 4), testConfig(addr, 1, 4)}
	for i := range cfgs {
		cfgs[i].JoinTimeout = patient // "died", not a timeout: the drop itself failed the join
	}
	res := make(chan []joined, 1)
	go func() { res <- joinConcurrently(cfgs) }()
	victim := dialEventually(t, addr)
	rawHello(t, victim, testConfig(addr, 2, 4), nil)
	time.Sleep(200 * time.Millisecond)
	victim.Close() // what the kernel does for a killed process
	for _, j := range <-res {
		requireCode(t, j.err, errcode.BootstrapError, "PE 2 of 4 died during init")
	}
	portFree(t, addr)
	done()
}

// A PE that stops waiting on its own (its deadline) is no death: the others
// keep waiting, and their timeout names it.
func TestGivingUpIsNoDeath(t *testing.T) {
	addr := freeAddr(t)
	cfg0 := testConfig(addr, 0, 3)
	cfg0.JoinTimeout = 4 * time.Second
	cfg1 := testConfig(addr, 1, 3)
	cfg1.JoinTimeout = time.Second // long enough to arrive on a loaded machine, well before rank 0 gives up
	res := joinConcurrently([]Config{cfg0, cfg1})
	requireCode(t, res[1].err, errcode.TimeoutError)
	requireCode(t, res[0].err, errcode.TimeoutError, "PE 2 of 3 never arrived", "PE 1 arrived but gave up")
}

// Two jobs on one address: the second job's PE gets an error naming both
// identities within a few seconds; the first job joins and runs undisturbed.
func TestAnotherJobIsRefusedAndTheJobGoesOn(t *testing.T) {
	done := leakCheck(t)
	addr := freeAddr(t)
	a := func(rank int) Config {
		c := testConfig(addr, rank, 2)
		c.JobID = "slurm:100.0"
		c.JoinTimeout = patient
		return c
	}
	s0 := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), a(0))
		s0 <- joined{s: s, err: err}
	}()
	b := testConfig(addr, 1, 2)
	b.JobID = "slurm:200.0"
	b.JoinTimeout = patient
	time.Sleep(100 * time.Millisecond)
	// The foreign error comes after foreignGrace; at the patient deadline
	// it would too, so the bound below tells the two apart, generously.
	start := time.Now()
	_, err := Join(context.Background(), b)
	requireCode(t, err, errcode.BootstrapError, "PE 1 of job slurm:200.0 reached the rendezvous of another job, slurm:100.0")
	assert.Less(t, time.Since(start), patient/2, "gave up at the join timeout, not after foreignGrace")

	s1, err := Join(context.Background(), a(1))
	require.NoError(t, err)
	j := <-s0
	require.NoError(t, j.err)
	sessions := []*Session{j.s, s1}
	b.Rank = 0 // job B's rank 0 while A runs: refused, A goes on
	b.Addr = j.s.srv.dialAddr(addr)
	_, err = Join(context.Background(), b)
	requireCode(t, err, errcode.BootstrapError, "could not be bound: the rendezvous of another job, slurm:100.0, runs there",
		"this PE 0 is of job slurm:200.0")
	for _, err := range everyRank(sessions, func(s *Session) error { return s.Barrier("world", nil) }) {
		require.NoError(t, err)
	}
	closeAll(t, sessions)
	done()
}

// Two PEs calling GlobalExit at once with different statuses: everybody
// ends with one status, the first one's.
func TestConcurrentGlobalExitsAgreeOnTheFirst(t *testing.T) {
	for range 20 {
		var exits exitRecorder
		sessions := joinAll(t, 3, func(c *Config) { c.OnGlobalExit = exits.hook(c.Rank) })
		var got [3]int
		var wg sync.WaitGroup
		for _, r := range []int{1, 2} {
			wg.Go(func() {
				var err error
				got[r], err = sessions[r].GlobalExit(10 + r)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		require.Equal(t, got[1], got[2], "both callers must end with one status")
		loser := 3 - (got[1] - 10) // the caller whose status lost is notified of the winner's
		require.Eventually(t, func() bool { return len(exits.statuses(0)) == 1 && len(exits.statuses(loser)) == 1 },
			settle, 2*time.Millisecond)
		assert.Equal(t, []int{got[1]}, exits.statuses(0))
		assert.Equal(t, []int{got[1]}, exits.statuses(loser))
		closeAll(t, sessions)
	}
}

// With no address, the PEs of a one-host job find rank 0 through its beacon
// (an abstract unix socket named from the job identity), with a fresh job
// key; a second rank 0 of the same job is refused.
func TestBeaconFindsRankZeroWithoutAnAddress(t *testing.T) {
	done := leakCheck(t)
	id := "openmpi:test-" + time.Now().Format("150405.000000000")
	sessions := joinAll(t, 3, func(c *Config) {
		c.Addr, c.JobID, c.Beacon = "", id, true
	})
	secret := sessions[0].DataSecret()
	require.Len(t, secret, macLen)
	errs := everyRank(sessions, func(s *Session) error {
		got, err := s.Allgather("world", nil, []byte{byte(s.Rank())})
		if err == nil {
			assert.Equal(t, [][]byte{{0}, {1}, {2}}, got)
			assert.Equal(t, secret, s.DataSecret())
		}
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	closeAll(t, sessions)

	// While a rank 0 waits for its job, a second one of the same job is refused.
	first := make(chan joined, 1)
	go func() {
		s, err := Join(context.Background(), Config{Rank: 0, Size: 2, JobID: id, Beacon: true, JoinTimeout: 5 * time.Second})
		first <- joined{s: s, err: err}
	}()
	time.Sleep(500 * time.Millisecond) // the first one serves by now
	_, err := Join(context.Background(), Config{Rank: 0, Size: 2, JobID: id, Beacon: true, JoinTimeout: time.Second})
	requireCode(t, err, errcode.BootstrapError, "another process already serves as PE 0 of job "+id)
	requireCode(t, (<-first).err, errcode.TimeoutError, "PE 1 of 2 never arrived")
	done()
}

// A PE that met another job at its address fails foreignGrace later even
// when that job ends meanwhile and nobody serves the address any more.
func TestForeignClockRunsOnAfterTheOtherJobEnds(t *testing.T) {
	addr := freeAddr(t)
	other := make(chan joined, 1)
	go func() {
		cfg := testConfig(addr, 0, 2)
		cfg.JobID, cfg.JoinTimeout = "slurm:1.0", 1500*time.Millisecond
		s, err := Join(context.Background(), cfg)
		other <- joined{s: s, err: err}
	}()
	time.Sleep(200 * time.Millisecond)
	cfg := testConfig(addr, 1, 2)
	cfg.JobID, cfg.JoinTimeout = "slurm:2.0", patient
	start := time.Now()
	_, err := Join(context.Background(), cfg)
	requireCode(t, err, errcode.BootstrapError, "reached the rendezvous of another job, slurm:1.0")
	assert.Less(t, time.Since(start), patient/2, "gave up at the join timeout, not after foreignGrace")
	requireCode(t, (<-other).err, errcode.TimeoutError)
}
