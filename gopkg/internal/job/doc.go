// Package job is the lifecycle of one shmem job as this process sees it:
// Start meets the other PEs at the rendezvous, creates this PE's heap
// segment and maps those of the PEs on the same host, starts the engines
// and wires up the packages that do the rest (symalloc: the agreed malloc
// and free; teamsync: teams and their barriers; the engines and the router:
// data movement); Finalize takes it all down in reverse. Start undoes every
// step when a later one fails, so a failed init leaves no segment, socket or
// goroutine behind.
//
// Job's methods are the API's one entry point: most delegate to the package
// that owns the work, or resolve a symmetric address before handing it to
// the engines (rma.go, signals.go, amo.go, p2p.go, strided.go).
//
// Timeouts: shm_init_timeout bounds the rendezvous (connecting and waiting
// for every PE to arrive); shm_create_timeout bounds the exchange in which
// PEs map each other's segments; control_operation_timeout bounds every
// collective afterwards (malloc agreement, barriers, team splits).
package job
