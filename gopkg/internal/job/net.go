package job

import (
	"crypto/rand"
	"encoding/json"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/netengine"
)

// newSecret is the job secret rank 0 hands out at the rendezvous: a data
// connection that cannot prove it is refused, so a process outside the job
// cannot write into a heap.
func newSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// startNetwork starts this PE's network engine on the interface through
// which it reached rank 0, exchanges the engines' addresses and connects to
// every PE marked remote.
func (j *Job) startNetwork(remote []bool) (*netengine.Engine, error) {
	e, err := netengine.Listen(netengine.Config{
		Rank: j.opts.Rank, Size: j.opts.Size,
		HeapBase: j.seg.UserBase(), HeapSize: j.seg.UserSize(), WakeBlock: j.wakeBlock(j.opts.Rank),
		Secret: j.secret, ListenHost: j.sess.LocalHost(), ChunkSize: j.opts.ChunkSize, Lanes: j.opts.NetLanes,
		DialTimeout: j.opts.CreateTimeout, OpTimeout: j.opts.OpTimeout,
		ServerTLS: j.opts.TLS.serverConfig(), ClientTLS: j.opts.TLS.clientConfig(), // TLS (issue 6)
	})
	if err != nil {
		return nil, errcode.Wrap(errcode.BootstrapError, err, "starting the network engine")
	}
	blob, _ := json.Marshal(e.Addr())
	all, err := j.sess.Allgather("init/net", nil, blob)
	if err == nil {
		addrs := make([]string, len(all))
		for pe, b := range all {
			if err = json.Unmarshal(b, &addrs[pe]); err != nil {
				break
			}
		}
		if err == nil {
			err = e.Connect(addrs, remote)
		}
	}
	if err == nil {
		err = j.sess.Barrier("init/net", nil)
	}
	if err != nil {
		_ = e.Close()
		return nil, errcode.Wrap(errcode.BootstrapError, err, "connecting the network engine")
	}
	j.netForLoss.Store(e)
	if lost := j.lostPE.Load(); lost >= 0 {
		j.peerLost(int(lost)) // died while the engine was starting
	}
	return e, nil
}

// peerLost is the rendezvous telling that a PE died: every data path to it
// fails from now on (live), waits in shared memory give up (they watch
// lostPE), and its network connection fails at once, so that a put to a host
// that vanished does not wait for TCP to give up.
func (j *Job) peerLost(rank int) {
	j.live.MarkDead(rank)
	j.lostPE.CompareAndSwap(-1, int64(rank))
	if e := j.netForLoss.Load(); e != nil {
		e.PeerLost(rank, errcode.New(errcode.BootstrapError, "PE %d of the job died", rank))
	}
}
