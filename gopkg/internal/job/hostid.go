package job

import (
	"os"
	"strings"
)

// hostIdentity names the memory domain this process lives in: PEs with equal
// identities try to map each other's segments. The boot id changes with every
// boot and differs between machines, which a hostname alone does not
// guarantee; SHMEM_HOST_ID overrides it (tests use it to make one machine
// look like several hosts). Whether a peer is really reachable is then
// confirmed by opening its segment.
func hostIdentity() string {
	if id := os.Getenv("SHMEM_HOST_ID"); id != "" {
		return "env:" + id
	}
	host, _ := os.Hostname()
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "host:" + host
	}
	return "boot:" + strings.TrimSpace(string(boot)) + "/" + host
}
