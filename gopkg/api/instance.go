package api

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
	"github.com/pyshmem/shmem/gopkg/internal/prof"
	"github.com/pyshmem/shmem/gopkg/internal/stream"
)

// Instances (Ascend's InitAttr.instance_id, aclshmemx_instance_ctx_set/get,
// aclshmemx_finalize(instance_id)): a process may hold several SHMEM
// instances, each a job of its own (rendezvous, heaps, teams, engines, PE
// numbering), with its own streams, profiling table, settings for its next
// init and status. Calls act on the current instance, which is one for the
// whole process, as in Ascend (a global behind a mutex, not per thread).
// Instance 0 always exists: single-instance programs never see the rest.
//
// The hot path does not look at the registry: current (guard.go) and
// profTable (prof.go) mirror the current instance's job and table, so a put
// still costs one atomic load of the job; switching instances stores both.

// MaxInstances bounds instance ids to 0..MaxInstances-1 (Ascend's 255).
const MaxInstances = 255

// instance is one SHMEM instance of this process.
type instance struct {
	id int
	// j is nil before init and after finalize; prof is the profiling table
	// (nil: off). Both are stored under regMu, loaded anywhere.
	j       atomic.Pointer[job.Job]
	prof    atomic.Pointer[prof.Table]
	streams *stream.Registry
	status  atomic.Int32
	// chunk, lanes and queues are what mte_set_ub_params /
	// aclshmemx_set_qp_num keep for the instance's next init (0: the
	// default). Instance 0 uses the package's pendingChunk, pendingLanes and
	// pendingQueues.
	chunk, lanes, queues *atomic.Int64
}

// instanceStreamBase spaces the stream handles of instances apart, so that a
// handle made in one instance is unknown in another instead of naming one of
// its streams. Within an instance's range, each incarnation of the instance
// (an init after a finalize) starts incarnationStreams further on, so that
// a stream of a finalized instance does not name a stream of the next one.
const (
	instanceStreamBase = 1 << 32
	incarnationStreams = 1 << 20
)

// incarnations counts the records made for each instance id (under regMu).
var incarnations [MaxInstances]int64

func newInstance(id int) *instance {
	first := int64(id)*instanceStreamBase + incarnations[id]%(instanceStreamBase/incarnationStreams)*incarnationStreams + 1
	incarnations[id]++
	in := &instance{id: id, streams: stream.NewRegistryFrom(first), chunk: new(atomic.Int64), lanes: new(atomic.Int64),
		queues: new(atomic.Int64)}
	if id == 0 {
		in.chunk, in.lanes, in.queues = &pendingChunk, &pendingLanes, &pendingQueues
	}
	return in
}

var (
	// regMu guards instances and every switch of the current instance. It is
	// held only briefly (never across a collective), so a global exit notice
	// can always take it.
	regMu     sync.Mutex
	instances = map[int]*instance{0: newInstance(0)}
	// cur is the current instance; never nil.
	cur atomic.Pointer[instance]
	// exitingAny is set once a global exit is under way in any instance.
	exitingAny atomic.Bool
)

func init() { cur.Store(instances[0]) }

// activateLocked makes in current. regMu is held.
func activateLocked(in *instance) {
	cur.Store(in)
	current.Store(in.j.Load())
	profTable.Store(in.prof.Load())
}

// liveInstance returns the current instance and its job, or NotInited.
func liveInstance() (*instance, *job.Job, error) {
	in := cur.Load()
	if j := in.j.Load(); j != nil {
		return in, j, nil
	}
	return nil, nil, errNotInited
}

// checkInstanceID refuses ids outside 0..MaxInstances-1.
func checkInstanceID(id int) error {
	if id < 0 || id >= MaxInstances {
		return errcode.New(errcode.InvalidParam, "instance_id %d is outside 0..%d", id, MaxInstances-1)
	}
	return nil
}

// CurrentInstance is the id of the current instance (aclshmemx_instance_ctx_get).
func CurrentInstance() int { return cur.Load().id }

// SetInstance is aclshmemx_instance_ctx_set: makes instance id current for
// the whole process. An id no init created is InvalidParam, and the current
// instance stays.
func SetInstance(id int) (_ int, err error) {
	defer recoverInto(&err)
	if err := checkInstanceID(id); err != nil {
		return 0, err
	}
	regMu.Lock()
	defer regMu.Unlock()
	in, ok := instances[id]
	if !ok {
		return 0, errcode.New(errcode.InvalidParam, "instance %d does not exist: create it with an init whose "+
			"instance_id is %d", id, id)
	}
	activateLocked(in)
	return 0, nil
}

// InstanceIDs lists the instances that exist (0 always), ascending, as
// "0,1,...".
func InstanceIDs() string {
	regMu.Lock()
	ids := make([]int, 0, len(instances))
	for id := range instances {
		ids = append(ids, id)
	}
	regMu.Unlock()
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

// InstanceStatus is the init status of instance id (NOT_INITIALIZED for one
// that does not exist).
func InstanceStatus(id int) int {
	regMu.Lock()
	in := instances[id]
	regMu.Unlock()
	if in == nil {
		return StatusNotInitialized
	}
	return int(in.status.Load())
}

// liveJobs is every initialised instance's job, the current one first.
func liveJobs() []*job.Job {
	regMu.Lock()
	defer regMu.Unlock()
	var out []*job.Job
	if j := cur.Load().j.Load(); j != nil {
		out = append(out, j)
	}
	for _, in := range instances {
		if j := in.j.Load(); j != nil && in != cur.Load() {
			out = append(out, j)
		}
	}
	return out
}

// instanceIdentity is the launcher's job identity for instance id: instance
// 0 has it as it is; another instance is a job of its own, so its identity
// (which names its rendezvous when the PEs find each other on their own) and
// its key get the instance's suffix: its PEs never meet those of another
// instance, and a key still proves membership of the launcher's job.
func instanceIdentity(ident jobIdentity, id int) jobIdentity {
	if id == 0 {
		return ident
	}
	suffix := "/instance-" + strconv.Itoa(id)
	if ident.id != "" {
		ident.id += suffix
	}
	if ident.key != nil {
		ident.key = append(append([]byte(nil), ident.key...), suffix...)
	}
	return ident
}

// instanceIPPort is the rendezvous address of instance id for an init given
// ipPort. Instance 0 and an address with a port of its own keep it; port 0
// asks for Ascend's default mode: the port is start+id of
// SHMEM_INSTANCE_PORT_RANGE ("start:end", id <= end-start).
func instanceIPPort(ipPort string, id int) (string, error) {
	i := strings.LastIndexByte(ipPort, ':')
	if id == 0 || i < 0 || strings.Trim(ipPort[i+1:], "0") != "" || ipPort[i+1:] == "" ||
		strings.HasSuffix(ipPort[:i], "/") {
		return ipPort, nil
	}
	env := os.Getenv("SHMEM_INSTANCE_PORT_RANGE")
	start, end, ok := parsePortRange(env)
	switch {
	case env == "":
		return "", errcode.New(errcode.InvalidValue, "ip_port %q has port 0 for instance %d: set "+
			"SHMEM_INSTANCE_PORT_RANGE=start:end (the instance meets at port start+%d) or give the port", ipPort, id, id)
	case !ok:
		return "", errcode.New(errcode.InvalidValue, "SHMEM_INSTANCE_PORT_RANGE=%q is not start:end with "+
			"0 <= start <= end <= 65535", env)
	case id > end-start:
		return "", errcode.New(errcode.InvalidValue, "instance_id %d exceeds the %d instances of "+
			"SHMEM_INSTANCE_PORT_RANGE=%q", id, end-start, env)
	}
	return ipPort[:i+1] + strconv.Itoa(start+id), nil
}

func parsePortRange(v string) (start, end int, ok bool) {
	a, b, found := strings.Cut(v, ":")
	if !found {
		return 0, 0, false
	}
	digits := func(s string) (int, bool) {
		if s == "" || len(s) > 5 || strings.Trim(s, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n <= maxPort
	}
	start, ok1 := digits(a)
	end, ok2 := digits(b)
	return start, end, ok1 && ok2 && start <= end
}

// initVariables are the environment variables an init reads that a program
// may set after the runtime was loaded (Ascend's programs set
// SHMEM_CYCLE_PROF_PE in os.environ before init): the runtime's copy of the
// environment is the one taken at load.
var initVariables = map[string]bool{"SHMEM_CYCLE_PROF_PE": true, "SHMEM_INSTANCE_PORT_RANGE": true,
	"SHMEM_HOST_MEM_SIZE": true}

// SetInitVariable sets (value "" unsets) one of the variables init reads, as
// the facade sees it; InvalidParam for any other name.
func SetInitVariable(name, value string) (_ int, err error) {
	defer recoverInto(&err)
	if !initVariables[name] {
		return 0, errcode.New(errcode.InvalidParam, "%q is not a variable init reads", name)
	}
	if value == "" {
		err = os.Unsetenv(name)
	} else {
		err = os.Setenv(name, value)
	}
	if err != nil {
		return 0, errcode.Wrap(errcode.InvalidValue, err, "setting "+name)
	}
	return 0, nil
}
