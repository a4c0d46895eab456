//go:build !amd64

package futex

// Pause is a no-op where no spin-wait hint is wired up; spin loops stay
// bounded by their own counts or clocks either way.
func Pause() {}
