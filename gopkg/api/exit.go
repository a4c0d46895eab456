package api

import "os"

// exitProcess is a variable so that tests can observe the exit instead of
// leaving the test binary.
var exitProcess = os.Exit
