package engine

import "github.com/sluice-db/sluice/catalog"

// Sources returns the streams and tables the catalog holds now, sorted by name:
// the snapshot the Postgres catalog emulation (package pgface/pgcatalog) presents to
// clients. Callers must not modify the returned sources.
func (e *Engine) Sources() []*catalog.Source { return e.catalog.Sources() }
