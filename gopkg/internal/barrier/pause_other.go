//go:build !amd64

package barrier

// cpuRelax is a no-op where no spin-wait hint is wired up; the spin phase is
// bounded by time either way.
func cpuRelax() {}
