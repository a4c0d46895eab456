package bootstrap

import (
	"crypto/tls"
	"net"
	"time"
)

// Config describes one PE's part in the rendezvous.
type Config struct {
	Addr        string        // "host:port" ("[v6]:port" for IPv6): rank 0 listens here, the others dial it
	Rank, Size  int           // this PE's world rank and the number of PEs
	JoinTimeout time.Duration // whole time budget to connect and for all Size ranks to arrive; 0 means 120 s
	OpTimeout   time.Duration // bound on each collective once joined, and on Close; 0 means no bound (Close: 5 s)
	ServerTLS   *tls.Config   // rank 0's listener; nil: plain TCP
	ClientTLS   *tls.Config   // every rank's connection to rank 0; nil: plain TCP. An empty ServerName becomes Addr's host

	// JobID names the job (from its launcher: "slurm:123.0", "openmpi:...";
	// "" when none is known). A PE of another job is refused with an error
	// naming both identities, and the running job goes on.
	JobID string
	// JobKey is a secret every process of the job knows and no other does
	// (shmemrun makes one; SHMEM_JOB_KEY). With it a process that is not part
	// of the job can neither join nor learn the data secret. nil: none, and
	// anyone who knows JobID can join (see doc.go, "Membership").
	JobKey []byte
	// Beacon makes the rendezvous find itself with no address: rank 0
	// serves on an ephemeral loopback port and announces it, with a fresh
	// job key, on an abstract unix socket named from JobID, to processes of
	// its own user only; the others ask there. For jobs whose PEs all share
	// one host; needs a JobID. Addr is then ignored.
	Beacon bool

	// OnGlobalExit runs once, on a goroutine of its own, when another rank
	// calls GlobalExit. It may block or call Close; Close does not wait for it.
	OnGlobalExit func(status int)
	// OnPeerLost runs once per rank whose connection dropped without a
	// graceful Close (rank 0 included, seen from the others), on a goroutine
	// of its own.
	OnPeerLost func(rank int)
}

func (c *Config) validate() error {
	if c.Size < 1 || c.Size > maxRanks {
		return bootstrapErr("size %d: a job has 1 to %d PEs", c.Size, maxRanks)
	}
	if c.Rank < 0 || c.Rank >= c.Size {
		return bootstrapErr("rank %d is out of range for size %d", c.Rank, c.Size)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil && !c.Beacon {
		return bootstrapErr("address %q is not host:port: %v", c.Addr, err)
	}
	if c.Beacon && c.JobID == "" {
		return bootstrapErr("finding PE 0 without an address needs a job identity")
	}
	if len(c.JobID) > maxJobIDLen {
		return bootstrapErr("job identity of %d bytes exceeds %d", len(c.JobID), maxJobIDLen)
	}
	if c.JoinTimeout < 0 || c.OpTimeout < 0 {
		return bootstrapErr("negative timeout (join %s, op %s)", c.JoinTimeout, c.OpTimeout)
	}
	return nil
}

func (c *Config) joinTimeout() time.Duration {
	if c.JoinTimeout == 0 {
		return defaultJoinTimeout
	}
	return c.JoinTimeout
}

// leaveTimeout bounds rank 0's wait for the others to leave and every
// rank's wait for its leave to be acknowledged.
func (c *Config) leaveTimeout() time.Duration {
	if c.OpTimeout == 0 {
		return defaultLeaveTimeout
	}
	return c.OpTimeout
}

// clientTLS fills in ServerName from Addr, so every rank verifies rank 0's
// certificate against the same name whichever address it actually dials.
func (c *Config) clientTLS() *tls.Config {
	if c.ClientTLS == nil || c.ClientTLS.ServerName != "" {
		return c.ClientTLS
	}
	tc := c.ClientTLS.Clone()
	tc.ServerName, _, _ = net.SplitHostPort(c.Addr)
	return tc
}
