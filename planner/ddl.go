package planner

import (
	"math"
	"slices"
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Session properties that change planning.
const (
	PropDefaultKeyFormat   = "ksql.persistence.default.format.key"
	PropDefaultValueFormat = "ksql.persistence.default.format.value"
	PropWrapSingleValues   = "ksql.persistence.wrap.single.values"
	PropOutputTopicPrefix  = "ksql.output.topic.name.prefix"
)

// reservedColumns may not be declared: they are pseudo-columns.
var reservedColumns = map[string]bool{plan.RowTime: true, plan.RowPartition: true, plan.RowOffset: true, "WINDOWSTART": true, "WINDOWEND": true}

// PlanCreateSource turns CREATE STREAM|TABLE (...) WITH (...) into a catalog source.
// It does not check the topic: the engine does, because that needs Kafka.
func PlanCreateSource(st *parser.CreateSource, session map[string]string) (*catalog.Source, error) {
	return PlanCreateSourceInferring(st, session, nil)
}

// Inferrer supplies the columns of a CREATE statement that declares none for a
// key or value whose format keeps its schema in a Schema Registry (AVRO): ksqlDB's
// schema inference.
type Inferrer interface {
	// InferColumns returns the columns of the topic's key or value schema (the
	// latest of its subject, or the one with schemaID when it is not 0; fullName,
	// when not "", picks the message of a Protobuf schema). A single unwrapped key
	// or value is one column named name; a record schema is one column per field.
	InferColumns(topic string, isKey bool, format string, schemaID int, fullName string, unwrapped bool, name string) ([]types.Column, error)
}

// PlanCreateSourceInferring is PlanCreateSource taking from infer the key or value
// columns a statement leaves out; infer may be nil.
func PlanCreateSourceInferring(st *parser.CreateSource, session map[string]string, infer Inferrer) (*catalog.Source, error) {
	w, err := newWithProps(st.Props)
	if err != nil {
		return nil, err
	}
	src := &catalog.Source{Name: st.Name, IsSource: st.IsSource, SQL: st.Text, Replicas: 1}
	if st.Kind == parser.Table {
		src.Kind = catalog.Table
	}
	if !w.has("KAFKA_TOPIC") {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "Missing required property \"KAFKA_TOPIC\" which has no default value.").WithPosition(st.NamePos)
	}
	if err := topicProps(src, w, "", st.NamePos); err != nil {
		return nil, err
	}
	if err := declareColumns(src, st, infer != nil); err != nil {
		return nil, err
	}
	if infer != nil {
		if err := inferColumns(src, st, w, session, infer); err != nil {
			return nil, err
		}
	}
	if err := resolveFormats(src, w, session, nil); err != nil {
		return nil, err
	}
	if err := resolveWindow(src, w); err != nil {
		return nil, err
	}
	if err := resolveTimestamp(src, w); err != nil {
		return nil, err
	}
	return src, checkCodecs(src)
}

// Limits of a source's topic. Kafka caps names at 249 characters of
// [a-zA-Z0-9._-] (a topic is a directory of that name on every broker) and
// replication factors at an int16. Kafka sets no partition cap, but every
// partition costs each broker and each query task memory and file handles, and
// a count in the millions exhausts a node before the broker refuses it.
const (
	MaxTopicNameLength = 249
	MaxPartitions      = 10000
	MaxReplicas        = math.MaxInt16
)

// topicProps sets a source's or sink's topic, partition count and replicas from
// its WITH properties (topic defaultTopic when KAFKA_TOPIC is absent), refusing
// what Kafka would refuse or could not hold before anything is written.
func topicProps(src *catalog.Source, w *withProps, defaultTopic string, namePos int) error {
	src.Topic = defaultTopic
	pos := namePos
	if t, ok := w.str("KAFKA_TOPIC"); ok {
		src.Topic, pos = t, w.pos("KAFKA_TOPIC")
	}
	if err := CheckTopicName(src.Topic); err != nil {
		return sqlerr.As(err).WithPosition(pos)
	}
	if n, ok, err := w.intAtMost("PARTITIONS", MaxPartitions); err != nil {
		return err
	} else if ok {
		src.Partitions = n
	}
	if n, ok, err := w.intAtMost("REPLICAS", MaxReplicas); err != nil {
		return err
	} else if ok {
		src.Replicas = n
	}
	return nil
}

// CheckTopicName applies Kafka's rules for topic names.
func CheckTopicName(name string) error {
	switch {
	case name == "":
		return sqlerr.New(sqlerr.InvalidName, "Topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return sqlerr.New(sqlerr.InvalidName, "Topic name cannot be \".\" or \"..\"")
	case len(name) > MaxTopicNameLength:
		return sqlerr.Newf(sqlerr.InvalidName, "Topic name is illegal, it can't be longer than %d characters, topic name: %s", MaxTopicNameLength, name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return sqlerr.Newf(sqlerr.InvalidName, "Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

func declareColumns(src *catalog.Source, st *parser.CreateSource, deferChecks bool) error {
	seen := map[string]bool{}
	for _, c := range st.Columns {
		if reservedColumns[c.Name] {
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "%s is a reserved column name. You cannot use it as a name for a column.", types.QuoteIdent(c.Name)).WithPosition(c.Pos)
		}
		if seen[c.Name] {
			return sqlerr.Newf(sqlerr.DuplicateColumn, "Duplicate column names: %s", c.Name).WithPosition(c.Pos)
		}
		seen[c.Name] = true
		if c.Role == types.KeyColumn {
			if src.Kind == catalog.Stream && c.Primary {
				return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Column %s is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", types.QuoteIdent(c.Name)).WithPosition(c.Pos)
			}
			if src.Kind == catalog.Table && !c.Primary {
				return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Column %s is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", types.QuoteIdent(c.Name)).WithPosition(c.Pos)
			}
		}
		col := types.Column{Name: c.Name, Type: c.Type, Role: c.Role, HeaderKey: c.HeaderKey}
		if c.Role == types.HeadersColumn && !c.Type.Equal(types.HeadersType) {
			return sqlerr.Newf(sqlerr.DatatypeMismatch, "Invalid type for HEADERS column: expected %s, got %s", types.HeadersType, c.Type).WithPosition(c.Pos)
		}
		if c.Role == types.HeaderColumn && c.Type.Kind != types.KindBytes {
			return sqlerr.Newf(sqlerr.DatatypeMismatch, "Invalid type for HEADER('%s') column: expected BYTES, got %s", c.HeaderKey, c.Type).WithPosition(c.Pos)
		}
		src.Columns = append(src.Columns, col)
	}
	if deferChecks {
		return nil
	}
	return checkDeclared(src, st)
}

// checkDeclared rejects a table without a key and a statement without columns.
func checkDeclared(src *catalog.Source, st *parser.CreateSource) error {
	if src.Kind == catalog.Table && len(src.KeyColumns()) == 0 {
		return sqlerr.New(sqlerr.InvalidObjectDefinition, "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.").WithPosition(st.NamePos)
	}
	if len(src.Columns) == 0 {
		return sqlerr.New(sqlerr.InvalidObjectDefinition, "The statement does not define any columns.").WithPosition(st.NamePos)
	}
	return nil
}

// inferColumns adds the key and value columns a Schema Registry format supplies
// when the statement declares none for that side, then checks the columns.
func inferColumns(src *catalog.Source, st *parser.CreateSource, w *withProps, session map[string]string, infer Inferrer) error {
	probe := *src
	if len(src.ValueColumns()) == 0 {
		// Stands for the inferred value columns while the formats are resolved.
		probe.Columns = append([]types.Column{{Name: "_", Type: types.IntType, Role: types.ValueColumn}}, src.Columns...)
	}
	if err := resolveFormats(&probe, w, session, nil); err != nil {
		return err
	}
	if len(src.ValueColumns()) == 0 && formats.UsesRegistry(probe.ValueFormat) {
		unwrapped := probe.WrapSingle != nil && !*probe.WrapSingle
		cols, err := infer.InferColumns(src.Topic, false, probe.ValueFormat, probe.ValueSchemaID, probe.ValueSchemaFullName, unwrapped, "ROWVAL")
		if err != nil {
			return err
		}
		for _, c := range cols {
			c.Role = types.ValueColumn
			src.Columns = append(src.Columns, c)
		}
	}
	if len(src.KeyColumns()) == 0 && formats.UsesRegistry(probe.KeyFormat) {
		cols, err := infer.InferColumns(src.Topic, true, probe.KeyFormat, probe.KeySchemaID, probe.KeySchemaFullName, true, "ROWKEY")
		if err != nil {
			return err
		}
		keys := make([]types.Column, 0, len(cols)+len(src.Columns))
		for _, c := range cols {
			c.Role = types.KeyColumn
			keys = append(keys, c)
		}
		src.Columns = append(keys, src.Columns...)
	}
	return checkDeclared(src, st)
}

// resolveFormats applies FORMAT/KEY_FORMAT/VALUE_FORMAT, the session defaults and,
// for derived sources, the formats inherited from the input (from may be nil).
func resolveFormats(src *catalog.Source, w *withProps, session map[string]string, from *catalog.Source) error {
	keyF, keySet, err := w.format("KEY_FORMAT")
	if err != nil {
		return err
	}
	valF, valSet, err := w.format("VALUE_FORMAT")
	if err != nil {
		return err
	}
	if f, ok, err := w.format("FORMAT"); err != nil {
		return err
	} else if ok {
		keyF, keySet, valF, valSet = f, true, f, true
	}
	if !keySet {
		switch {
		case from != nil && !(from.KeyFormat == "NONE" && len(src.KeyColumns()) > 0):
			keyF = from.KeyFormat
		case session[PropDefaultKeyFormat] != "":
			if keyF, err = checkFormat(session[PropDefaultKeyFormat]); err != nil {
				return err
			}
		default:
			keyF = "KAFKA"
		}
	}
	if !valSet {
		switch {
		case from != nil:
			valF = from.ValueFormat
		case session[PropDefaultValueFormat] != "":
			if valF, err = checkFormat(session[PropDefaultValueFormat]); err != nil {
				return err
			}
		default:
			return sqlerr.New(sqlerr.InvalidParameterValue, "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.")
		}
	}
	src.KeyFormat, src.ValueFormat = keyF, valF
	if len(src.KeyColumns()) == 0 && from != nil {
		src.KeyFormat = "NONE"
	}
	if err := checkSchemaFullNames(src, w); err != nil {
		return err
	}
	if err := checkProtobufNullable(src, w); err != nil {
		return err
	}
	if d, ok := w.str("VALUE_DELIMITER"); ok {
		if src.ValueFormat != "DELIMITED" {
			return sqlerr.New(sqlerr.InvalidParameterValue, "VALUE_DELIMITER is only valid with VALUE_FORMAT='DELIMITED'").WithPosition(w.pos("VALUE_DELIMITER"))
		}
		src.ValueDelimiter = d
	} else if from != nil && from.ValueFormat == src.ValueFormat {
		src.ValueDelimiter = from.ValueDelimiter
	}
	if d, ok := w.str("KEY_DELIMITER"); ok {
		src.KeyDelimiter = d
	} else if from != nil && from.KeyFormat == src.KeyFormat {
		src.KeyDelimiter = from.KeyDelimiter
	}
	wrap, err := w.bool("WRAP_SINGLE_VALUE")
	if err != nil {
		return err
	}
	if wrap == nil && session[PropWrapSingleValues] != "" {
		b := strings.EqualFold(session[PropWrapSingleValues], "true")
		wrap = &b
	}
	if wrap != nil && len(src.ValueColumns()) != 1 && from == nil {
		return sqlerr.New(sqlerr.InvalidParameterValue, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas").WithPosition(w.pos("WRAP_SINGLE_VALUE"))
	}
	src.WrapSingle = wrap
	return nil
}

// resolveWindow reads WINDOW_TYPE and WINDOW_SIZE, which declare that the topic's
// keys are windowed.
func resolveWindow(src *catalog.Source, w *withProps) error {
	kind, ok := w.str("WINDOW_TYPE")
	if !ok {
		if w.has("WINDOW_SIZE") {
			return sqlerr.New(sqlerr.InvalidParameterValue, "'WINDOW_SIZE' should not be set without 'WINDOW_TYPE'").WithPosition(w.pos("WINDOW_SIZE"))
		}
		return nil
	}
	kind = strings.ToUpper(kind)
	size, hasSize := w.str("WINDOW_SIZE")
	switch kind {
	case "SESSION":
		if hasSize {
			return sqlerr.New(sqlerr.InvalidParameterValue, "'WINDOW_SIZE' should not be set for SESSION windows.").WithPosition(w.pos("WINDOW_SIZE"))
		}
		src.Window = &catalog.Window{Kind: kind}
		return nil
	case "TUMBLING", "HOPPING":
		if !hasSize {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "'WINDOW_SIZE' is required for %s windows.", kind).WithPosition(w.pos("WINDOW_TYPE"))
		}
		d, err := parser.ParseDuration(size)
		if err != nil {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "Invalid WINDOW_SIZE property : %s. %v", size, err).WithPosition(w.pos("WINDOW_SIZE"))
		}
		src.Window = &catalog.Window{Kind: kind, Size: d}
		return nil
	}
	return sqlerr.Newf(sqlerr.InvalidParameterValue, "Invalid value for 'WINDOW_TYPE': %s. Valid values are SESSION, HOPPING, TUMBLING", kind).WithPosition(w.pos("WINDOW_TYPE"))
}

func resolveTimestamp(src *catalog.Source, w *withProps) error {
	name, ok := w.str("TIMESTAMP")
	if !ok {
		return nil
	}
	name = strings.ToUpper(strings.Trim(name, "`"))
	col, idx := src.Column(name)
	if idx < 0 {
		return sqlerr.Newf(sqlerr.UndefinedColumn, "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name).WithPosition(w.pos("TIMESTAMP"))
	}
	tsFormat, hasFormat := w.str("TIMESTAMP_FORMAT")
	switch col.Type.Kind {
	case types.KindBigInt, types.KindTimestamp:
	case types.KindString:
		if !hasFormat {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "A String timestamp field has been specified without also specifying the TIMESTAMP_FORMAT property: %s", name).WithPosition(w.pos("TIMESTAMP"))
		}
	default:
		return sqlerr.Newf(sqlerr.DatatypeMismatch, "Timestamp column, %s, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", types.QuoteIdent(name)).WithPosition(w.pos("TIMESTAMP"))
	}
	src.TimestampColumn = name
	src.TimestampFormat = tsFormat
	return nil
}

// checkCodecs verifies that the formats can carry the source's columns.
func checkCodecs(src *catalog.Source) error {
	if _, err := formats.NewCodec(src.KeyFormat, src.KeyColumns(), plan.KeyOptions(src)); err != nil {
		return err
	}
	if _, err := formats.NewCodec(src.ValueFormat, src.ValueColumns(), plan.ValueOptions(src)); err != nil {
		return err
	}
	return nil
}

// PlanCreateAsSelect plans CREATE STREAM ... AS SELECT. partitions is the source
// topic's partition count, inherited unless PARTITIONS is given.
func (p *Planner) PlanCreateAsSelect(st *parser.CreateAsSelect, session map[string]string) (*plan.QueryPlan, error) {
	p.persistent = true
	qp, err := p.PlanSelect(st.Query, nil)
	if err != nil {
		return nil, err
	}
	if qp.Source.Kind == catalog.Table && qp.Source.Window != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "KSQL does not support persistent queries on windowed tables.").WithPosition(st.Query.Pos)
	}
	if st.Query.Emit == parser.EmitFinal && (qp.Agg == nil || qp.Agg.Window == nil) {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EMIT FINAL is only supported for windowed aggregations.").WithPosition(st.Query.Pos)
	}
	producesTable := qp.Agg != nil || qp.Source.Kind == catalog.Table
	switch {
	case st.Kind == parser.Table && !producesTable:
		return nil, sqlerr.New(sqlerr.WrongObjectType, "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.").WithPosition(st.Pos)
	case st.Kind != parser.Table && producesTable:
		return nil, sqlerr.New(sqlerr.WrongObjectType, "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.").WithPosition(st.Pos)
	}
	if qp.Limit >= 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "LIMIT is not supported in a persistent query").WithPosition(st.Query.Pos)
	}
	if err := checkPersistentResult(qp, st.Query, st.Name, session); err != nil {
		return nil, err
	}
	w, err := newWithProps(st.Props)
	if err != nil {
		return nil, err
	}
	sink := &catalog.Source{Name: st.Name, Kind: catalog.Stream, SQL: st.Text, Replicas: qp.Source.Replicas, Partitions: qp.Source.Partitions}
	if producesTable {
		sink.Kind = catalog.Table
	}
	if qp.Agg == nil && !qp.Rekeyed && qp.Source.Window != nil {
		w := *qp.Source.Window // the result keeps its source's windowed key
		sink.Window = &w
	}
	if qp.Agg != nil && qp.Agg.Window != nil {
		sink.Window = &catalog.Window{Kind: qp.Agg.Window.Kind}
		if sink.Window.Kind != "SESSION" {
			sink.Window.Size = qp.Agg.Window.Size
		}
	}
	for _, slot := range qp.KeySlots {
		sink.Columns = append(sink.Columns, qp.Output[slot])
	}
	for _, c := range qp.Output {
		if c.Role != types.KeyColumn {
			sink.Columns = append(sink.Columns, types.Column{Name: c.Name, Type: c.Type, Role: types.ValueColumn})
		}
	}
	if err := topicProps(sink, w, session[PropOutputTopicPrefix]+st.Name, st.NamePos); err != nil {
		return nil, err
	}
	if err := resolveFormats(sink, w, session, qp.Source); err != nil {
		return nil, err
	}
	if len(sink.KeyColumns()) == 0 && w.has("KEY_FORMAT") {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "Key format specified for stream without key columns.").WithPosition(w.pos("KEY_FORMAT"))
	}
	if err := resolveTimestamp(sink, w); err != nil {
		return nil, err
	}
	if err := checkCodecs(sink); err != nil {
		return nil, err
	}
	qp.Sink = newSink(qp, sink, true)
	if err := p.sinkTimestamp(qp.Sink); err != nil {
		return nil, err
	}
	return qp, nil
}

// PlanInsertSelect plans INSERT INTO target SELECT ...: the result must match the
// target's columns by name and type.
// PlanMaterialize plans the query that keeps a source table's rows in state, so
// that pull queries can read it (CREATE SOURCE TABLE).
func (p *Planner) PlanMaterialize(table *catalog.Source) (*plan.QueryPlan, error) {
	sel := &parser.Select{
		Items: []parser.SelectItem{{Star: true}},
		From:  &parser.TableRef{Name: table.Name},
		Emit:  parser.EmitChanges,
		Limit: -1,
	}
	p.persistent = true
	qp, err := p.PlanSelect(sel, nil)
	if err != nil {
		return nil, err
	}
	qp.Sink = newSink(qp, table, false)
	qp.Sink.MaterializeOnly = true
	return qp, nil
}

func (p *Planner) PlanInsertSelect(st *parser.InsertSelect) (*plan.QueryPlan, error) {
	target, err := p.Catalog.Source(st.Target)
	if err != nil {
		return nil, sqlerr.As(err).WithPosition(st.TargetPos)
	}
	if target.Kind != catalog.Stream {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "INSERT INTO can only be used to insert into a stream. %s is a table.", target.Name).WithPosition(st.TargetPos)
	}
	if target.IsSource || target.Builtin {
		return nil, sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot insert into read-only stream: %s", target.Name).WithPosition(st.TargetPos)
	}
	for _, c := range target.Columns {
		if c.Role == types.HeaderColumn || c.Role == types.HeadersColumn {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Cannot insert into %s because it has header columns", target.Name).WithPosition(st.TargetPos)
		}
	}
	p.persistent = true
	qp, err := p.PlanSelect(st.Query, nil)
	if err != nil {
		return nil, err
	}
	if err := checkPersistentResult(qp, st.Query, target.Name, nil); err != nil {
		return nil, err
	}
	// Order the result like the target and coerce types where ksqlDB allows.
	var resultCols []types.Column
	for _, slot := range qp.KeySlots {
		resultCols = append(resultCols, qp.Output[slot])
	}
	for _, c := range qp.Output {
		if c.Role != types.KeyColumn {
			resultCols = append(resultCols, c)
		}
	}
	mismatch := func() error {
		return sqlerr.Newf(sqlerr.DatatypeMismatch, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", schemaString(resultCols), schemaString(target.Columns)).WithPosition(st.Query.Pos)
	}
	if len(resultCols) != len(target.Columns) {
		return nil, mismatch()
	}
	for i, c := range resultCols {
		tc := target.Columns[i]
		if c.Name != tc.Name || c.Role != tc.Role && !(tc.Role != types.KeyColumn && c.Role != types.KeyColumn) {
			return nil, mismatch()
		}
		item := indexOfOutput(qp, c.Name)
		if !qp.Items[item].Type().Equal(tc.Type) {
			cast, err := expr.ImplicitCast(qp.Items[item], tc.Type)
			if err != nil {
				return nil, mismatch()
			}
			qp.Items[item] = cast
			qp.Output[item].Type = tc.Type
		}
	}
	qp.Sink = newSink(qp, target, false)
	if err := p.sinkTimestamp(qp.Sink); err != nil {
		return nil, err
	}
	return qp, nil
}

func indexOfOutput(qp *plan.QueryPlan, name string) int {
	for i, c := range qp.Output {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func newSink(qp *plan.QueryPlan, sink *catalog.Source, create bool) *plan.Sink {
	s := &plan.Sink{Source: sink, Create: create, TimestampIndex: -1, KeyFromSource: !qp.Rekeyed}
	s.KeyIndexes = append(s.KeyIndexes, qp.KeySlots...)
	for i, c := range qp.Output {
		if c.Role != types.KeyColumn {
			s.ValueIndexes = append(s.ValueIndexes, i)
		}
	}
	if sink.TimestampColumn != "" {
		s.TimestampIndex = indexOfOutput(qp, sink.TimestampColumn)
	}
	return s
}

// sinkTimestamp sets the sink's timestamp expression from its TIMESTAMP column.
func (p *Planner) sinkTimestamp(s *plan.Sink) error {
	if s.TimestampIndex < 0 {
		return nil
	}
	src := s.Source
	col, _ := src.Column(src.TimestampColumn)
	s.Timestamp = expr.NewColumn(s.TimestampIndex, col.Name, col.Type)
	if col.Type.Kind == types.KindString {
		ts, err := p.Funcs.Call("STRINGTOTIMESTAMP", []expr.Expr{s.Timestamp, expr.NewLiteral(src.TimestampFormat, types.StringType)})
		if err != nil {
			return err
		}
		s.Timestamp = ts
	}
	return nil
}

// SchemaString renders columns the way ksqlDB prints a logical schema:
// `ID` INTEGER KEY, `NAME` STRING.
func schemaString(cols []types.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = types.QuoteIdent(c.Name) + " " + c.Type.String()
		switch c.Role {
		case types.KeyColumn:
			parts[i] += " KEY"
		case types.HeadersColumn:
			parts[i] += " HEADERS"
		case types.HeaderColumn:
			parts[i] += " HEADER('" + c.HeaderKey + "')"
		}
	}
	return strings.Join(parts, ", ")
}

// SchemaString is exported for DESCRIBE and error messages elsewhere.
func SchemaString(cols []types.Column) string { return schemaString(cols) }

// PlanAlterSource returns src with the value columns ALTER adds, checked as
// ksqlDB checks them: only a source CREATE made (cas reports one CREATE ... AS
// SELECT made), of the statement's kind, not a read-only SOURCE, and no column
// name twice or reserved.
func PlanAlterSource(src *catalog.Source, st *parser.AlterSource, cas bool) (*catalog.Source, error) {
	kind := "STREAM"
	if src.Kind == catalog.Table {
		kind = "TABLE"
	}
	switch {
	case kind != st.Kind.String():
		return nil, sqlerr.Newf(sqlerr.WrongObjectType, "Incompatible data source type is %s, but statement was ALTER %s", kind, st.Kind).WithPosition(st.NamePos)
	case cas:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ALTER command is not supported for CREATE ... AS statements.").WithPosition(st.NamePos)
	case src.IsSource:
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Cannot alter %s '%s': ALTER operations are not supported on source %ss.",
			strings.ToLower(kind), src.Name, strings.ToLower(kind)).WithPosition(st.NamePos)
	case src.ValueSchema != nil || src.ValueSchemaID != 0:
		// The value's columns are the registered schema's: a column the
		// schema does not have could neither be read nor written.
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "ALTER cannot add columns to %s: its value format %s keeps its columns in the Schema Registry; register a new schema version and create the %s again",
			src.Name, src.ValueFormat, strings.ToLower(kind)).WithPosition(st.NamePos)
	}
	out := *src
	out.Columns = slices.Clone(src.Columns)
	for _, c := range st.Columns {
		if reservedColumns[c.Name] {
			return nil, sqlerr.Newf(sqlerr.InvalidObjectDefinition, "%s is a reserved column name. You cannot use it as a name for a column.", types.QuoteIdent(c.Name)).WithPosition(c.Pos)
		}
		if _, i := out.Column(c.Name); i >= 0 {
			return nil, sqlerr.Newf(sqlerr.DuplicateColumn, "Cannot add column %s to schema. A column with the same name already exists.", types.QuoteIdent(c.Name)).WithPosition(c.Pos)
		}
		out.Columns = append(out.Columns, types.Column{Name: c.Name, Type: c.Type, Role: types.ValueColumn})
	}
	return &out, nil
}
