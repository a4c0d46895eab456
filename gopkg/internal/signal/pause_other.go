//go:build !amd64

package signal

// cpuRelax is a no-op where no spin-wait hint is wired up; the loop stays
// bounded by spinIterations either way.
func cpuRelax() {}
