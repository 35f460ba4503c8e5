// Package depcheck holds the test that enforces the import boundaries drawn in
// docs/ARCHITECTURE.md (which package may depend on which). It has no code of its
// own; add a rule to the table in deps_test.go when a boundary is drawn.
package depcheck
