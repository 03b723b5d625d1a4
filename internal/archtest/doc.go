// Package archtest holds the test of Herald's layer rules: which packages
// may import which (docs/architecture.md, "Layers"). It has no code of its
// own; `go test ./internal/archtest` reads every package's imports.
package archtest
