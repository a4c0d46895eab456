package job

import (
	"fmt"

	"github.com/pyshmem/shmem/gopkg/internal/engine"
	"github.com/pyshmem/shmem/gopkg/internal/transport"
)

// startEngine builds the job's reachability table from the heaps mapPeers
// mapped (a PE whose heap is not mapped here is reached through the network),
// starts the engine of the mapped PEs (MTE, or SDMA when asked for) on that
// table and, when some PEs are not mapped, the network engine, with the
// table's router in front of both. From then on every data path (RMA,
// signals, atomics, strided, point-to-point waits) asks the table, and only
// the table, how a PE is reached and whether it is alive.
func (j *Job) startEngine(tr *startTrace) error {
	wakes := make([]uintptr, j.opts.Size)
	for pe := range wakes {
		wakes[pe] = j.wakeBlock(pe)
	}
	reach, err := transport.NewTable(transport.TableConfig{Bases: j.userBases, Wakes: wakes,
		HeapSize: j.seg.UserSize(), Live: j.live})
	if err != nil {
		return err
	}
	j.reach = reach
	// The heaps are this process's own read/write mappings, pages reserved at
	// creation, kept until teardown: large copies need not probe them.
	cfg := engine.Config{Table: reach, ChunkSize: j.opts.ChunkSize, TrustHeaps: true}
	var local transport.Transport
	started := engineName(j.opts.Engine) + " engine started"
	if j.opts.Engine == EngineSDMA || j.opts.Engine == EngineUDMA {
		if j.opts.Engine == EngineUDMA {
			cfg.Workers = j.opts.UdmaQueues // aclshmemx_set_qp_num(UDMA, n): the copy engine's queues
		}
		if cfg.Workers == 0 {
			cfg.Workers = engine.DefaultWorkers
		}
		started = fmt.Sprintf("copy engine started with %d workers", cfg.Workers)
		local, err = engine.NewCopyEngine(cfg)
	} else {
		local, err = engine.NewDirect(cfg)
	}
	if err != nil {
		return err
	}
	j.rma = local
	tr.done("engine", "%s", started)
	if reach.AllMapped() {
		return nil
	}
	remote := reach.RemotePEs()
	if j.net, err = j.startNetwork(remote); err != nil {
		return err
	}
	j.rma = transport.NewRouter(reach, local, j.net)
	j.info.NetAddr = j.net.Addr()
	tr.done("network", "network engine on %s connected to PEs %s", j.info.NetAddr, Ranges(remotePEs(remote)))
	return nil
}
