package parser

import (
	"time"

	"github.com/sluice-db/sluice/types"
)

// Identifiers in this AST are final: unquoted identifiers are upper-cased, quoted ones
// (`x` or "x") keep their case, as in ksqlDB. Pos fields are 0-based byte offsets into
// the text given to ParseScript.

// Statement is one parsed statement.
type Statement interface {
	// Source returns the statement's original text (without the trailing ';') and
	// the byte offset where it starts in the script.
	Source() (text string, pos int)
}

// StmtBase carries the original text of a statement.
type StmtBase struct {
	Text string
	Pos  int
}

// Source implements Statement.
func (b StmtBase) Source() (string, int) { return b.Text, b.Pos }

// SourceKind distinguishes streams from tables.
type SourceKind uint8

const (
	Stream SourceKind = iota
	Table
)

func (k SourceKind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// Property is one entry of a WITH (...) clause. Key is upper-cased; Value is a
// string, int64, float64 (or *apd.Decimal for exact literals) or bool.
type Property struct {
	Key   string
	Value any
	Pos   int
}

// ColumnDef is a column in CREATE STREAM/TABLE (...).
type ColumnDef struct {
	Name      string
	Type      *types.Type
	Role      types.ColumnRole // KEY and PRIMARY KEY are both KeyColumn; PrimaryKey tells which was written
	Primary   bool
	HeaderKey string // for HEADER('k')
	Pos       int
}

// CreateSource is CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name (cols) WITH (...).
type CreateSource struct {
	StmtBase
	Kind        SourceKind
	OrReplace   bool
	IfNotExists bool
	IsSource    bool // CREATE SOURCE STREAM|TABLE: read-only, materialized
	Name        string
	NamePos     int
	Columns     []ColumnDef
	Props       []Property
}

// CreateAsSelect is CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name [WITH (...)] AS SELECT ...
type CreateAsSelect struct {
	StmtBase
	Kind        SourceKind
	OrReplace   bool
	IfNotExists bool
	Name        string
	NamePos     int
	Props       []Property
	Query       *Select
}

// InsertSelect is INSERT INTO target [WITH (QUERY_ID=..)] SELECT ...
type InsertSelect struct {
	StmtBase
	Target    string
	TargetPos int
	Props     []Property
	Query     *Select
}

// InsertValues is INSERT INTO target [(cols)] VALUES (exprs).
type InsertValues struct {
	StmtBase
	Target    string
	TargetPos int
	Columns   []string // nil when no column list was given
	Values    []Expr
}

// Query is a SELECT run as a statement: a push query (Emit != EmitNone) or a pull query.
type Query struct {
	StmtBase
	Select *Select
}

// ShowKind is what SHOW lists.
type ShowKind uint8

const (
	ShowStreams ShowKind = iota
	ShowTables
	ShowQueries
	ShowTopics
	ShowFunctions
	ShowProperties
	ShowTypes
	ShowVariables
	ShowCluster
)

// Show is SHOW|LIST STREAMS|TABLES|QUERIES|[ALL] TOPICS|FUNCTIONS|PROPERTIES [EXTENDED].
type Show struct {
	StmtBase
	What     ShowKind
	Extended bool
	All      bool
}

// Describe is DESCRIBE [EXTENDED] name, or DESCRIBE STREAMS|TABLES [EXTENDED] (Name empty, What set).
type Describe struct {
	StmtBase
	Name     string
	NamePos  int
	Extended bool
	// AllOf is set for DESCRIBE STREAMS / DESCRIBE TABLES.
	AllOf *SourceKind
}

// DescribeFunction is DESCRIBE FUNCTION name.
type DescribeFunction struct {
	StmtBase
	Name string
}

// Drop is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
type Drop struct {
	StmtBase
	Kind        SourceKind
	IfExists    bool
	Name        string
	NamePos     int
	DeleteTopic bool
}

// Terminate is TERMINATE query_id | TERMINATE ALL.
type Terminate struct {
	StmtBase
	QueryID string
	All     bool
}

// AlterSource is ALTER STREAM|TABLE name ADD [COLUMN] col type [, ADD [COLUMN] ...]:
// value columns added to a source created with CREATE (not C*AS).
type AlterSource struct {
	StmtBase
	Kind    SourceKind
	Name    string
	NamePos int
	Columns []ColumnDef
}

// RunScript is RUN SCRIPT 'file': run the statements of a file of the server's
// script directory.
type RunScript struct {
	StmtBase
	Path    string
	PathPos int
}

// PauseResume is PAUSE query_id|ALL or RESUME query_id|ALL: a paused persistent
// query stops reading its inputs and keeps its state and group membership.
type PauseResume struct {
	StmtBase
	Resume  bool
	QueryID string
	All     bool
}

// AwaitIdle is AWAIT IDLE [TIMEOUT n unit]: block until every persistent query has
// processed its inputs up to their current end and its outputs are acknowledged.
// Timeout 0 means the server's default.
type AwaitIdle struct {
	StmtBase
	Timeout time.Duration
}

// AssertTopic is ASSERT [NOT EXISTS] TOPIC name [WITH (...)] [TIMEOUT n unit]:
// wait until the topic exists (with the PARTITIONS and REPLICAS the properties
// give) or, with NOT EXISTS, does not. Timeout 0 means the session's
// ksql.assert.topic.default.timeout.ms.
type AssertTopic struct {
	StmtBase
	Topic     string
	NotExists bool
	Props     []Property
	Timeout   time.Duration
}

// AssertSchema is ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID n] [TIMEOUT n
// unit]: wait until the Schema Registry has the schema (the subject's latest, the
// id's, or the id under the subject) or, with NOT EXISTS, has not. ID is 0 when
// absent; Timeout 0 means the session's ksql.assert.schema.default.timeout.ms.
type AssertSchema struct {
	StmtBase
	Subject   string
	ID        int
	NotExists bool
	Timeout   time.Duration
}

// SetProperty is SET 'name' = 'value'.
type SetProperty struct {
	StmtBase
	Name  string
	Value string
}

// UnsetProperty is UNSET 'name'.
type UnsetProperty struct {
	StmtBase
	Name string
}

// Print is PRINT topic [FROM BEGINNING] [INTERVAL|SAMPLE n] [LIMIT n].
type Print struct {
	StmtBase
	Topic         string // exactly as written when quoted; as written (not upper-cased) otherwise
	FromBeginning bool
	Interval      int64 // 0 = every record
	Limit         int64 // -1 = no limit
}

// Explain is EXPLAIN statement or EXPLAIN query_id.
type Explain struct {
	StmtBase
	Statement Statement // nil when QueryID is set
	QueryID   string
}

// EmitMode is a query's EMIT clause.
type EmitMode uint8

const (
	EmitNone EmitMode = iota // pull query
	EmitChanges
	EmitFinal
)

// Select is the query core shared by CSAS/CTAS, INSERT INTO ... SELECT and push/pull queries.
type Select struct {
	Items       []SelectItem
	From        Relation
	Where       Expr // nil when absent
	Window      *WindowSpec
	GroupBy     []Expr
	Having      Expr
	PartitionBy []Expr
	OrderBy     []OrderItem // beyond ksqlDB: pull queries only
	Emit        EmitMode
	Limit       int64 // -1 when absent
	Pos         int   // offset of SELECT
}

// SelectItem is one projection: an expression with optional alias, or a star.
type SelectItem struct {
	Expr  Expr   // nil for a star
	Alias string // "" when not given
	// Star is set for * and q.*; StarQualifier is q.
	Star          bool
	StarQualifier string
	Pos           int
}

// OrderItem is one ORDER BY entry.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// Relation is a FROM item: *TableRef or *Join.
type Relation interface{ relation() }

// TableRef names a stream or table with an optional alias.
type TableRef struct {
	Name  string
	Alias string
	Pos   int
}

// JoinKind is the join type.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
)

// Join is Left JOIN Right [WITHIN ...] ON cond.
type Join struct {
	Kind   JoinKind
	Left   Relation
	Right  Relation
	On     Expr
	Within *JoinWindow
	Pos    int
}

func (*TableRef) relation() {}
func (*Join) relation()     {}

// JoinWindow is WITHIN n unit | WITHIN (before, after) [GRACE PERIOD g].
type JoinWindow struct {
	Before, After time.Duration
	Grace         time.Duration
	HasGrace      bool
}

// WindowKind is TUMBLING, HOPPING or SESSION.
type WindowKind uint8

const (
	Tumbling WindowKind = iota
	Hopping
	Session
)

// WindowSpec is WINDOW TUMBLING|HOPPING|SESSION (...).
type WindowSpec struct {
	Kind         WindowKind
	Size         time.Duration // session: the inactivity gap
	Advance      time.Duration // hopping only
	Retention    time.Duration
	HasRetention bool
	Grace        time.Duration
	HasGrace     bool
	Pos          int
}

// Expr is an expression node. Every node knows where it starts in the user's text.
type Expr interface{ Position() int }

// P is the position carried by every expression node.
type P struct{ Pos int }

// Position implements Expr.
func (p P) Position() int { return p.Pos }

// ColumnRef is [qualifier.]name. A lambda parameter is also a ColumnRef; the binder resolves it.
type ColumnRef struct {
	P
	Qualifier string
	Name      string
}

// Literal is a constant. Value uses the representation of package types, with Type
// telling which: integer literals are INT when they fit in 32 bits, else BIGINT;
// literals with a decimal point are DECIMAL (*apd.Decimal); with an exponent, DOUBLE;
// quoted strings are STRING; TRUE/FALSE are BOOLEAN; NULL has Value nil and Type Unknown.
type Literal struct {
	P
	Value any
	Type  *types.Type
}

// Param is a positional parameter $n (1-based) or ? (numbered in order).
type Param struct {
	P
	Index int
}

// Binary is L op R. Op is one of + - * / % || = <> < <= > >= AND OR.
// `!=` is normalized to <>.
type Binary struct {
	P
	Op   string
	L, R Expr
}

// Unary is op E, Op is NOT or - or +.
type Unary struct {
	P
	Op string
	E  Expr
}

// IsNull is E IS [NOT] NULL.
type IsNull struct {
	P
	E   Expr
	Not bool
}

// IsDistinct is L IS [NOT] DISTINCT FROM R.
type IsDistinct struct {
	P
	L, R Expr
	Not  bool
}

// Like is E [NOT] LIKE Pattern [ESCAPE Escape].
type Like struct {
	P
	E, Pattern Expr
	Escape     Expr // nil when absent
	Not        bool
}

// Between is E [NOT] BETWEEN Lo AND Hi.
type Between struct {
	P
	E, Lo, Hi Expr
	Not       bool
}

// In is E [NOT] IN (List...).
type In struct {
	P
	E    Expr
	List []Expr
	Not  bool
}

// When is one WHEN cond THEN result arm.
type When struct {
	Cond, Result Expr
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END.
type Case struct {
	P
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil when absent
}

// Cast is CAST(E AS To).
type Cast struct {
	P
	E  Expr
	To *types.Type
}

// Call is a function call. Name is upper-cased. Star marks COUNT(*).
type Call struct {
	P
	Name     string
	Args     []Expr
	Star     bool
	Distinct bool
}

// StructAll is E->*: every field of the struct E, one column each. It is valid
// only as a whole SELECT item.
type StructAll struct {
	P
	E Expr
}

// Deref is E->Field (struct field access). Field is case-normalized like an identifier.
type Deref struct {
	P
	E     Expr
	Field string
}

// Subscript is E[Index] (1-based arrays, negative from the end; map lookup by key).
type Subscript struct {
	P
	E, Index Expr
}

// ArrayCtor is ARRAY[e, ...].
type ArrayCtor struct {
	P
	Elems []Expr
}

// MapCtor is MAP(k := v, ...).
type MapCtor struct {
	P
	Keys, Values []Expr
}

// StructCtor is STRUCT(name := v, ...).
type StructCtor struct {
	P
	Names  []string
	Values []Expr
}

// Lambda is x => body or (x, y) => body; parameters are case-normalized identifiers.
type Lambda struct {
	P
	Params []string
	Body   Expr
}

// TimeUnit is a bare time-unit keyword used as a function argument, e.g. the first
// argument of TIMESTAMPADD(SECONDS, 5, ts). Unit is upper-cased and singular-or-plural
// as written (MILLISECONDS, SECOND, DAYS, ...).
type TimeUnit struct {
	P
	Unit string
}
