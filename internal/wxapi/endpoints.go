package wxapi

import (
	"fmt"
	"sort"
	"strings"
)

// EndpointInfo describes one endpoint the router serves.
type EndpointInfo struct {
	Path  string
	Needs string // who may call it
	Token bool   // whether it takes an access_token
}

var capNames = map[capability]string{
	capBasic:    "every account",
	capMenu:     "all but unverified Subscription accounts",
	capVerified: "verified accounts",
	capCondMenu: "verified accounts",
	capQR:       "verified Service accounts",
}

// Endpoints lists every endpoint of the router, by path.
func (api *API) Endpoints() []EndpointInfo {
	api.init()
	out := make([]EndpointInfo, 0, len(api.routes))
	for p, rt := range api.routes {
		e := EndpointInfo{Path: p, Needs: capNames[rt.cap], Token: !rt.noToken}
		if rt.noToken {
			e.Needs = "—"
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// EndpointTable renders the endpoints as the Markdown table of
// docs/developer-api.md: each path with who may call it and its status
// against WeChat (status[path]: "same", or how it differs). It reports the
// paths that have no status and the statuses of paths the router lacks.
func EndpointTable(eps []EndpointInfo, status map[string]string) (string, []string) {
	var b strings.Builder
	var problems []string
	b.WriteString("| Endpoint | Token | Who may call it | Against WeChat |\n|---|---|---|---|\n")
	seen := map[string]bool{}
	for _, e := range eps {
		seen[e.Path] = true
		st, ok := status[e.Path]
		if !ok {
			problems = append(problems, "no status for "+e.Path+" (add it to wxapi.Status)")
		}
		tok := "yes"
		if !e.Token {
			tok = "no"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", e.Path, tok, e.Needs, st)
	}
	var extra []string
	for p := range status {
		if !seen[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		problems = append(problems, "wxapi.Status names "+p+", which the router does not serve")
	}
	return b.String(), problems
}
