// Package stream runs host streams: ordered queues of operations, each served
// by one goroutine of its own. Operations of one stream run one after the
// other in the order they were enqueued; different streams run concurrently.
// Enqueue returns at once; Sync waits until everything enqueued before it has
// run and reports the first error an operation hit since the last Sync, so a
// failure of a queued operation is never lost.
//
// A stream knows nothing about shmem: an operation is a func(cancel) error.
// Long operations (a signal wait) poll cancel so that Shutdown can end them
// before the memory they watch goes away.
package stream
