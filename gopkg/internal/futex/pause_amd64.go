package futex

// Pause executes PAUSE: it tells the core that this is a spin-wait loop,
// which spares a sibling hyperthread and avoids the pipeline flush when the
// watched line finally changes.
//
//go:noescape
func Pause()
