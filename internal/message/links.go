package message

import "strings"

// ScriptURL reports whether a link would run script or open inline data
// where a browser follows it: javascript:, vbscript: or data:, in any
// case, with the leading spaces and control characters and the tabs and
// newlines that browsers ignore in a URL.
func ScriptURL(u string) bool {
	u = strings.TrimLeftFunc(u, func(r rune) bool { return r <= ' ' })
	var b strings.Builder
	for _, r := range u {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		b.WriteRune(r)
		if b.Len() > len("javascript:") {
			break
		}
	}
	s := strings.ToLower(b.String())
	for _, p := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
