// Package callgate counts the calls inside an engine so that the engine's
// Close can refuse new ones and wait for the running ones before the memory
// they touch goes away. Both data engines (same-host and network) use it.
package callgate
