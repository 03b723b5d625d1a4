package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/wxapi"
)

const (
	docPath    = "../../docs/developer-api.md"
	beginTable = "<!-- endpoints:begin (generated from the router by internal/app/endpoints_doc_test.go; HERALD_UPDATE_DOCS=1 go test ./internal/app -run TestEndpointList rewrites it) -->"
	endTable   = "<!-- endpoints:end -->"
)

// The developer API doc lists every endpoint the router serves, with its
// status against WeChat; the list is generated, so it cannot drift.
func TestEndpointListInTheDocMatchesTheRouter(t *testing.T) {
	s := apptest.New(t)
	table, problems := wxapi.EndpointTable(s.App.API.Endpoints(), wxapi.Status)
	for _, p := range problems {
		t.Error(p)
	}
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, beginTable), strings.Index(doc, endTable)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated endpoint list between %q and %q", docPath, beginTable, endTable)
	}
	want := doc[:i] + beginTable + "\n" + table + endTable + doc[j+len(endTable):]
	if want == doc {
		return
	}
	if os.Getenv("HERALD_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s: the endpoint list is out of date; run HERALD_UPDATE_DOCS=1 go test ./internal/app -run TestEndpointList", docPath)
}
