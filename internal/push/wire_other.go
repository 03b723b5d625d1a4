//go:build !unix

package push

import "net"

// open cannot look at an idle connection without reading from it here;
// a connection the server closed fails the push that uses it.
func open(net.Conn) bool { return true }
