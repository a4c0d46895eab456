package netengine

import (
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/transport/transporttest"
)

// The network engine passes the transport conformance suite over loopback
// TCP, the same tests the same-host engines pass. (Deaths reach it through
// its connections, tested in peerdeath_test.go; the suite's DeadPE test runs
// against the router, which consults the job's liveness first.)
func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transporttest.Fixture {
		const heap, chunk = 1 << 20, 64 << 10
		nodes := cluster(t, 2, heap, func(c *Config) { c.ChunkSize = chunk })
		return transporttest.Fixture{T: nodes[0].eng, PE: 1, NPEs: 2, Heap: nodes[1].heap, Chunk: chunk}
	})
}
