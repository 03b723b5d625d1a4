// Package wxpath knows where the WeChat developer API lives: the path
// prefixes its calls use, on any host. The API face serves them; the
// emulator recognises calls by them to inject faults.
package wxpath

import "strings"

// Prefixes are the path prefixes of the developer API.
var Prefixes = []string{"/cgi-bin/", "/sns/", "/datacube/", "/connect/oauth2/", "/customservice/", "/wxaapi/"}

// IsAPI reports whether a request path is a developer API call.
func IsAPI(path string) bool {
	for _, p := range Prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
