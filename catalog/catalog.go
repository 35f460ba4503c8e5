package catalog

import (
	"sort"
	"sync"
	"time"

	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Kind is STREAM or TABLE.
type Kind uint8

const (
	Stream Kind = iota
	Table
)

func (k Kind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// Source is a stream or table and the topic and formats behind it.
type Source struct {
	Name    string
	Kind    Kind
	Columns []types.Column // as declared: key, value and header columns in order
	Topic   string

	KeyFormat      string
	ValueFormat    string
	KeyDelimiter   string
	ValueDelimiter string
	WrapSingle     *bool // WRAP_SINGLE_VALUE, nil when not given

	// Window is the key's window, nil for an unwindowed key.
	Window *Window

	TimestampColumn string // TIMESTAMP property, "" when ROWTIME is the record timestamp
	TimestampFormat string

	Partitions int
	Replicas   int
	IsSource   bool   // CREATE SOURCE: read-only
	SQL        string // the statement that created it
	// Builtin marks sources the engine defines itself (the processing log).
	Builtin bool

	// KeySchema and ValueSchema are the Schema Registry schemas of a side whose
	// format keeps its schema there (AVRO): nil otherwise, or before the engine
	// bound them. KeySchemaFullName and ValueSchemaFullName are the
	// KEY_/VALUE_SCHEMA_FULL_NAME properties; KeySchemaID and ValueSchemaID the
	// KEY_/VALUE_SCHEMA_ID ones (0 when not given).
	KeySchema, ValueSchema                 *RegistrySchema
	KeySchemaFullName, ValueSchemaFullName string
	KeySchemaID, ValueSchemaID             int
	// KeyProtobufNullable and ValueProtobufNullable are the
	// KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION properties of a PROTOBUF side
	// (formats.ProtobufOptional or formats.ProtobufWrapper; "" for the default).
	KeyProtobufNullable, ValueProtobufNullable string
	// Schemas finds the schemas of records written with other ids.
	Schemas formats.SchemaLookup
}

// RegistrySchema is a schema registered in the Schema Registry: the one a source's
// records are written with.
type RegistrySchema struct {
	ID     int
	Schema string
}

// Window describes a windowed key: its kind and, for time windows, the size that
// turns the start in the key into an end.
type Window struct {
	Kind string // TUMBLING, HOPPING or SESSION
	Size time.Duration
}

// KeyColumns returns the key columns in declaration order.
func (s *Source) KeyColumns() []types.Column { return s.columnsWithRole(types.KeyColumn) }

// ValueColumns returns the columns stored in the record value.
func (s *Source) ValueColumns() []types.Column { return s.columnsWithRole(types.ValueColumn) }

func (s *Source) columnsWithRole(r types.ColumnRole) []types.Column {
	var out []types.Column
	for _, c := range s.Columns {
		if c.Role == r {
			out = append(out, c)
		}
	}
	return out
}

// Column returns the named column and its index, or -1.
func (s *Source) Column(name string) (types.Column, int) {
	for i, c := range s.Columns {
		if c.Name == name {
			return c, i
		}
	}
	return types.Column{}, -1
}

// QueryKind says how a persistent query was created.
type QueryKind uint8

const (
	CreateAsSelect QueryKind = iota // CSAS / CTAS: owns its sink
	InsertQuery                     // INSERT INTO ... SELECT: one of possibly many writers
)

// Query is a persistent query.
type Query struct {
	ID      string
	Kind    QueryKind
	SQL     string
	Sink    string
	Sources []string
	// Props are the session properties in force when the query was created; they
	// are replayed with it so every node plans it the same way.
	Props map[string]string
	// Paused is set by PAUSE and cleared by RESUME: the query runs without
	// reading its inputs.
	Paused bool
}

// Catalog is the set of sources, queries and custom types. It is safe for
// concurrent use.
type Catalog struct {
	mu      sync.RWMutex
	sources map[string]*Source
	queries map[string]*Query
	types   map[string]*types.Type // CREATE TYPE
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{sources: map[string]*Source{}, queries: map[string]*Query{}, types: map[string]*types.Type{}}
}

// Type returns the custom type registered under name (CREATE TYPE).
func (c *Catalog) Type(name string) (*types.Type, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.types[name]
	return t, ok
}

// Types returns the custom types by name.
func (c *Catalog) Types() map[string]*types.Type {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]*types.Type, len(c.types))
	for n, t := range c.types {
		out[n] = t
	}
	return out
}

// PutType registers a custom type.
func (c *Catalog) PutType(name string, t *types.Type) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.types[name] = t
}

// DropType removes a custom type.
func (c *Catalog) DropType(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.types, name)
}

// Source returns the named source, or an error with SQLSTATE 42P01.
func (c *Catalog) Source(name string) (*Source, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.sources[name]
	if !ok {
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "%s does not exist", name)
	}
	return s, nil
}

// Sources returns every source sorted by name.
func (c *Catalog) Sources() []*Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Source, 0, len(c.sources))
	for _, s := range c.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutSource adds or replaces a source.
func (c *Catalog) PutSource(s *Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sources[s.Name] = s
}

// DropSource removes a source.
func (c *Catalog) DropSource(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sources, name)
}

// Query returns a persistent query, or nil.
func (c *Catalog) Query(id string) *Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.queries[id]
}

// Queries returns every persistent query sorted by ID.
func (c *Catalog) Queries() []*Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Query, 0, len(c.queries))
	for _, q := range c.queries {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PutQuery registers a persistent query.
func (c *Catalog) PutQuery(q *Query) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries[q.ID] = q
}

// SetQueryPaused records PAUSE (true) or RESUME (false) of a query; it reports
// false when there is no such query. The query is replaced, not changed, so a
// reader holding the old one sees a consistent value.
func (c *Catalog) SetQueryPaused(id string, paused bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.queries[id]
	if !ok {
		return false
	}
	cp := *q
	cp.Paused = paused
	c.queries[id] = &cp
	return true
}

// DropQuery removes a persistent query.
func (c *Catalog) DropQuery(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.queries, id)
}

// Readers returns the IDs of queries that read from the named source.
func (c *Catalog) Readers(name string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for _, q := range c.queries {
		for _, s := range q.Sources {
			if s == name {
				out = append(out, q.ID)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Writers returns the IDs of queries that write into the named source.
func (c *Catalog) Writers(name string) []*Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Query
	for _, q := range c.queries {
		if q.Sink == name {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
