// Package tcpopt sets the TCP options every connection of a job carries, so
// that the rendezvous and the data plane notice a vanished host the same way.
package tcpopt
