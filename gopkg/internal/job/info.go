package job

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Log levels of Options.Log: Python's logging numbers, so the facade passes
// them on unchanged.
const (
	LogDebug = 10
	LogInfo  = 20
)

// Engine names a user sees in Info (shmem.job_info()).
const (
	PathSelf    = "self"
	PathMTE     = "mte"     // load/store through the mapped heap
	PathSDMA    = "sdma"    // the copy engine's worker goroutines
	PathNetwork = "network" // the TCP network engine
)

// PeerInfo says how this PE reaches one PE of the job, and why.
type PeerInfo struct {
	PE     int    `json:"pe"`
	Host   string `json:"host"`   // the peer's host name
	Engine string `json:"engine"` // Path*
	Reason string `json:"reason"` // why this engine
}

// Step is one start-up step and the time it took.
type Step struct {
	Name   string  `json:"name"`
	Millis float64 `json:"ms"`
}

// Info is what a user may inspect about a running job: where its PEs met,
// how each PE is reached, and how long start-up took. It is read at
// diagnostics time only, never on a data path.
type Info struct {
	Rank          int        `json:"rank"`
	Size          int        `json:"npes"`
	Rendezvous    string     `json:"rendezvous"` // host:port where the PEs met (rank 0 serves it)
	LocalAddr     string     `json:"local_addr"` // this PE's interface towards rank 0
	Hostname      string     `json:"hostname"`
	HostID        string     `json:"host_id"` // the memory domain: equal ids try to map each other's heaps
	MemSize       uintptr    `json:"mem_size"`
	HeapUserBytes uintptr    `json:"heap_user_bytes"`
	Engine        string     `json:"requested_engine"`
	NetAddr       string     `json:"network_addr"` // "" when no PE needs the network
	Peers         []PeerInfo `json:"peers"`
	Steps         []Step     `json:"startup"`
	InitMillis    float64    `json:"init_ms"`
}

func engineName(e int) string {
	switch e {
	case EngineSDMA:
		return PathSDMA
	case EngineROCE:
		return "roce"
	}
	return PathMTE
}

// startTrace records the start-up steps and passes each on to Options.Log.
type startTrace struct {
	log   func(level int, msg string)
	t0    time.Time
	last  time.Time
	steps []Step
}

func newTrace(log func(int, string)) *startTrace {
	now := time.Now()
	return &startTrace{log: log, t0: now, last: now}
}

// logf sends a line to the facade's logger, if any.
func (t *startTrace) logf(level int, format string, args ...any) {
	if t.log != nil {
		t.log(level, fmt.Sprintf(format, args...))
	}
}

// done closes a step begun when the previous one ended.
func (t *startTrace) done(name string, format string, args ...any) {
	now := time.Now()
	ms := float64(now.Sub(t.last).Microseconds()) / 1000
	t.steps = append(t.steps, Step{Name: name, Millis: ms})
	t.last = now
	t.logf(LogDebug, "init: %s (%.1f ms): %s", name, ms, fmt.Sprintf(format, args...))
}

func (t *startTrace) total() float64 { return float64(time.Since(t.t0).Microseconds()) / 1000 }

// Info returns a copy of what the job knows about itself.
func (j *Job) Info() Info {
	in := j.info
	in.Peers = append([]PeerInfo(nil), j.info.Peers...)
	in.Steps = append([]Step(nil), j.info.Steps...)
	return in
}

// Summary is the INFO line of a successful start: who met whom, which
// engine reaches which PEs, heap size, time taken.
func (in *Info) Summary() string {
	byEngine := map[string][]int{}
	var order []string
	hosts := map[string][]int{}
	var hostOrder []string
	for _, p := range in.Peers {
		if _, ok := hosts[p.Host]; !ok {
			hostOrder = append(hostOrder, p.Host)
		}
		hosts[p.Host] = append(hosts[p.Host], p.PE)
		if p.Engine == PathSelf {
			continue
		}
		if _, ok := byEngine[p.Engine]; !ok {
			order = append(order, p.Engine)
		}
		byEngine[p.Engine] = append(byEngine[p.Engine], p.PE)
	}
	var where []string
	for _, h := range hostOrder {
		where = append(where, fmt.Sprintf("PEs %s on %s", Ranges(hosts[h]), h))
	}
	var eng []string
	for _, e := range order {
		eng = append(eng, fmt.Sprintf("%s to PEs %s", e, Ranges(byEngine[e])))
	}
	if len(eng) == 0 {
		eng = []string{"none (a job of one)"}
	}
	return fmt.Sprintf("PE %d of %d initialised in %.1f ms: met at %s (%s); engines: %s; heap %d bytes per PE",
		in.Rank, in.Size, in.InitMillis, in.Rendezvous, strings.Join(where, ", "), strings.Join(eng, ", "), in.MemSize)
}

// Ranges writes sorted PE numbers as "0-3,6".
func Ranges(pes []int) string {
	var b strings.Builder
	for i := 0; i < len(pes); {
		k := i
		for k+1 < len(pes) && pes[k+1] == pes[k]+1 {
			k++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if k == i {
			fmt.Fprintf(&b, "%d", pes[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", pes[i], pes[k])
		}
		i = k + 1
	}
	return b.String()
}

func osHostname() string {
	h, _ := os.Hostname()
	return h
}
