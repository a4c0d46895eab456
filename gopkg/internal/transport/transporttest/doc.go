// Package transporttest is the conformance suite of transport.Transport:
// every engine (the same-host ones, the network one, the router over both)
// runs the same tests, so that a put, a signal or an atomic means the same
// whichever engine carries it. Engines' tests call Run with a constructor of
// their fixture.
package transporttest
