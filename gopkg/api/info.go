package api

// Version of the API level this library implements (the Ascend SHMEM level).
const (
	VersionMajor = 1
	VersionMinor = 1
	libraryName  = "shmem-go (Go runtime, gopy bindings) 0.1.0"
)

// InfoName names this implementation and its version.
func InfoName() string { return libraryName }
