// Package job holds one initialised shmem job as this process sees it: the
// rendezvous session, this PE's heap segment and the mapped segments of the
// PEs on the same host, the allocator, the data-movement engine and the team
// table. Start builds all of it in order and undoes every step when a later
// one fails, so a failed init leaves no segment, socket or goroutine behind;
// Finalize takes it down in reverse.
//
// Timeouts: shm_init_timeout bounds the rendezvous (connecting and waiting
// for every PE to arrive); shm_create_timeout bounds the exchange in which
// PEs map each other's segments; control_operation_timeout bounds every
// collective afterwards (malloc agreement, barriers, team splits).
package job
