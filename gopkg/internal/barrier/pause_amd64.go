package barrier

// cpuRelax executes PAUSE: the core knows it is in a spin-wait loop, which
// spares a sibling hyperthread and avoids the pipeline flush when the
// watched line finally changes.
//
//go:noescape
func cpuRelax()
