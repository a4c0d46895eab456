package api

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Jobs of two PEs, each PE a process of its own: the test binary re-executed
// (TestHelperPE), as Python's PEs are separate interpreters. The PEs meet at
// a rendezvous on this host and move data through the engine the test names:
// MTE maps the peer's heap, ROCE goes through the network engine.

const (
	peRankEnv   = "SHMEM_API_TEST_RANK"
	peAddrEnv   = "SHMEM_API_TEST_ADDR"
	peEngineEnv = "SHMEM_API_TEST_ENGINE"
)

// twoPEReport is what each PE prints (one JSON line) for the test to check.
type twoPEReport struct {
	FromPeer   string  `json:"from_peer"`
	GotByGet   string  `json:"got_by_get"`
	Signal     int64   `json:"signal"`
	Tickets    []int64 `json:"tickets"`
	Counter    int64   `json:"counter"`
	Sum        []int64 `json:"sum"`
	Gathered   []int64 `json:"gathered"`
	PeerPtr    bool    `json:"peer_ptr"`
	BadPECode  int     `json:"bad_pe_code"`
	FinalizeOK bool    `json:"finalize_ok"`
}

// TestHelperPE is one PE of a job in a child process; in a normal run it does nothing.
func TestHelperPE(t *testing.T) {
	rankText := os.Getenv(peRankEnv)
	if rankText == "" {
		t.Skip("a PE process of TestTwoPEJob, started by it")
	}
	rank, _ := strconv.Atoi(rankText)
	engine, _ := strconv.Atoi(os.Getenv(peEngineEnv))
	report, err := runPE(rank, engine, os.Getenv(peAddrEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "PE", rank, "failed:", err)
		os.Exit(3)
	}
	b, _ := json.Marshal(report)
	fmt.Println("REPORT " + string(b))
	os.Exit(0)
}

// runPE is the PE program: a put to the peer and a get from it, a put with
// signal, contended atomic tickets on PE 0's counter, a sum reduction and an
// fcollect, all checked by the test from both PEs' reports.
func runPE(rank, engine int, ipPort string) (r twoPEReport, err error) {
	must := func(_ int, e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	var c map[string]int
	text, err := SharedConstants()
	if err != nil {
		return r, err
	}
	if err = json.Unmarshal([]byte(text), &c); err != nil {
		return r, err
	}
	if _, err = Init(rank, 2, 1<<20, ipPort, engine, 30, 30, 30); err != nil {
		return r, err
	}
	peer := 1 - rank
	buf, _ := Malloc(64)
	sig, _ := Malloc(64)
	counter, _ := Malloc(64)
	src, _ := Malloc(8 * 4)
	dst, _ := Malloc(8 * 4)
	all, _ := Malloc(8 * 8)
	if buf == 0 || sig == 0 || counter == 0 || src == 0 || dst == 0 || all == 0 {
		return r, fmt.Errorf("malloc failed")
	}
	msg := local(16)
	copy(msg, fmt.Sprintf("hello from PE #%d", rank))
	must(Putmem(buf, addrOf(msg), 16, peer))
	must(BarrierAll())
	r.FromPeer = string(heapBytes(buf, 16))

	back := local(16)
	must(Getmem(addrOf(back), buf, 16, peer)) // what this PE put there
	r.GotByGet = string(back)

	must(PutmemSignal(buf+32, addrOf(msg), 16, sig, int64(rank+10), c["signal.Set"], peer, 0))
	got, e := SignalWaitUntil(sig, c["cmp.EQ"], int64(peer+10))
	must(0, e)
	r.Signal = got

	for range 100 {
		old, e := Atomic(c["amo.FetchAdd"], 8, counter, 1, 0, 0) // on PE 0
		must(0, e)
		r.Tickets = append(r.Tickets, old)
	}
	must(BarrierAll())
	r.Counter, e = Atomic(c["amo.Fetch"], 8, counter, 0, 0, 0)
	must(0, e)

	mine := heapBytes(src, 32)
	for i := range 4 {
		binary.LittleEndian.PutUint64(mine[8*i:], uint64((rank+1)*(i+1)))
	}
	must(Reduce(c["team.World"], dst, src, 4, c["dtype.int64"], c["op.sum"]))
	must(Fcollect(c["team.World"], all, src, 32))
	for i := range 4 {
		r.Sum = append(r.Sum, int64(binary.LittleEndian.Uint64(heapBytes(dst, 32)[8*i:])))
	}
	for i := range 8 {
		r.Gathered = append(r.Gathered, int64(binary.LittleEndian.Uint64(heapBytes(all, 64)[8*i:])))
	}
	r.PeerPtr = Ptr(buf, peer) != 0
	_, e = Putmem(buf, addrOf(msg), 8, 2)
	r.BadPECode = errcode.CodeOf(e)
	must(BarrierAll())
	warning, e := Finalize()
	must(0, e)
	r.FinalizeOK = warning == ""
	return r, err
}

func runTwoPEs(t *testing.T, engine int) [2]twoPEReport {
	t.Helper()
	addr := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t))
	var cmds [2]*exec.Cmd
	var outs [2]strings.Builder
	for rank := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPE$", "-test.count=1")
		cmd.Env = append(os.Environ(), peRankEnv+"="+strconv.Itoa(rank), peAddrEnv+"="+addr,
			peEngineEnv+"="+strconv.Itoa(engine))
		cmd.Stdout = &outs[rank]
		cmd.Stderr = &outs[rank]
		require.NoError(t, cmd.Start())
		cmds[rank] = cmd
	}
	var reports [2]twoPEReport
	for rank, cmd := range cmds {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			require.NoError(t, err, "PE %d:\n%s", rank, outs[rank].String())
		case <-time.After(120 * time.Second): // a hang only: the machine may be loaded
			for _, c := range cmds {
				_ = c.Process.Kill()
			}
			t.Fatalf("PE %d did not finish:\n%s", rank, outs[rank].String())
		}
		for _, line := range strings.Split(outs[rank].String(), "\n") {
			if text, ok := strings.CutPrefix(line, "REPORT "); ok {
				require.NoError(t, json.Unmarshal([]byte(text), &reports[rank]))
			}
		}
	}
	return reports
}

func TestTwoPEJob(t *testing.T) {
	c := constants(t)
	for _, engine := range []string{"MTE", "ROCE"} {
		t.Run(engine, func(t *testing.T) {
			reports := runTwoPEs(t, c["engine."+engine])
			var tickets []int64
			for rank, r := range reports {
				peer := 1 - rank
				assert.Equal(t, fmt.Sprintf("hello from PE #%d", peer), r.FromPeer, "PE %d", rank)
				assert.Equal(t, fmt.Sprintf("hello from PE #%d", rank), r.GotByGet, "PE %d", rank)
				assert.EqualValues(t, peer+10, r.Signal)
				assert.EqualValues(t, 200, r.Counter)
				assert.Equal(t, []int64{3, 6, 9, 12}, r.Sum)
				assert.Equal(t, []int64{1, 2, 3, 4, 2, 4, 6, 8}, r.Gathered)
				assert.Equal(t, engine == "MTE", r.PeerPtr, "a peer's heap is mapped only by the same-host engine")
				assert.Equal(t, errcode.InvalidParam, r.BadPECode)
				assert.True(t, r.FinalizeOK)
				tickets = append(tickets, r.Tickets...)
			}
			seen := map[int64]bool{}
			for _, ticket := range tickets {
				seen[ticket] = true
			}
			assert.Len(t, seen, 200, "every ticket once: the fetch_adds were atomic across processes")
		})
	}
}
