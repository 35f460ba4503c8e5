package jdbcsink

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-db/sluice/sqlerr"
)

// Class is the connector.class this package implements.
const Class = "io.confluent.connect.jdbc.JdbcSinkConnector"

// Insert modes and primary key modes, as the JDBC sink documents them.
const (
	InsertMode = "insert"
	UpsertMode = "upsert"
	UpdateMode = "update"

	PKNone        = "none"
	PKKafka       = "kafka"
	PKRecordKey   = "record_key"
	PKRecordValue = "record_value"
)

// kafkaPKFields are pk.mode=kafka's default column names.
var kafkaPKFields = []string{"__connect_topic", "__connect_partition", "__connect_offset"}

// Config is a validated JDBC sink configuration.
type Config struct {
	// Conn is the database connection, from connection.url, connection.user
	// and connection.password.
	Conn *pgx.ConnConfig
	// Topics are the topics to read; TopicsRegex, when set instead, selects
	// them (the engine resolves it to Topics against the sources it has).
	Topics      []string
	TopicsRegex *regexp.Regexp

	InsertMode      string
	PKMode          string
	PKFields        []string // as given; nil for the documented default
	FieldsWhitelist []string // nil: every value field
	TableNameFormat string
	AutoCreate      bool
	AutoEvolve      bool
	DeleteEnabled   bool
	BatchSize       int
	// TasksMax is how many partitions are written at once (each in its own
	// transaction on its own connection).
	TasksMax     int
	MaxRetries   int
	RetryBackoff time.Duration
	// ConnectionAttempts and ConnectionBackoff govern each connection attempt.
	ConnectionAttempts int
	ConnectionBackoff  time.Duration

	// ToleranceAll is errors.tolerance=all: a record that cannot be decoded or
	// that the database rejects is reported (processing log, and DLQTopic when
	// set) and skipped; with none it fails the connector.
	ToleranceAll   bool
	DLQTopic       string
	DLQReplicas    int
	DLQHeaders     bool
	LogErrors      bool
	LogWithMessage bool
}

// property is one documented property this package accepts.
type property struct {
	name string
	set  func(c *Config, v string) error
}

// properties are the JDBC sink's documented properties (and the Kafka Connect
// ones every sink has) that Sluice implements. Any other key is an error
// naming it, so a typo or an unsupported feature never passes silently.
var properties = []property{
	{"name", func(*Config, string) error { return nil }},
	{"connector.class", func(_ *Config, v string) error {
		if v != Class {
			return fmt.Errorf("only %s is supported", Class)
		}
		return nil
	}},
	{"tasks.max", intProp(func(c *Config, n int) { c.TasksMax = n }, 1)},
	{"topics", func(c *Config, v string) error { c.Topics = list(v); return nil }},
	{"topics.regex", func(c *Config, v string) error {
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return err
		}
		c.TopicsRegex = re
		return nil
	}},
	{"connection.url", nil}, // read first, by Parse
	{"connection.user", func(c *Config, v string) error { c.Conn.User = v; return nil }},
	{"connection.password", func(c *Config, v string) error { c.Conn.Password = v; return nil }},
	{"connection.attempts", intProp(func(c *Config, n int) { c.ConnectionAttempts = n }, 1)},
	{"connection.backoff.ms", msProp(func(c *Config, d time.Duration) { c.ConnectionBackoff = d })},
	{"dialect.name", func(_ *Config, v string) error {
		if v != "" && v != "PostgreSqlDatabaseDialect" {
			return fmt.Errorf("only PostgreSqlDatabaseDialect is supported")
		}
		return nil
	}},
	{"insert.mode", enumProp(func(c *Config, v string) { c.InsertMode = v }, InsertMode, UpsertMode, UpdateMode)},
	{"batch.size", intProp(func(c *Config, n int) { c.BatchSize = n }, 1)},
	{"delete.enabled", boolProp(func(c *Config, b bool) { c.DeleteEnabled = b })},
	{"table.name.format", func(c *Config, v string) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		c.TableNameFormat = v
		return nil
	}},
	{"pk.mode", enumProp(func(c *Config, v string) { c.PKMode = v }, PKNone, PKKafka, PKRecordKey, PKRecordValue)},
	{"pk.fields", func(c *Config, v string) error { c.PKFields = list(v); return nil }},
	{"fields.whitelist", func(c *Config, v string) error { c.FieldsWhitelist = list(v); return nil }},
	{"db.timezone", func(_ *Config, v string) error {
		if v != "UTC" {
			return fmt.Errorf("only UTC is supported (Sluice's TIMESTAMP values are UTC)")
		}
		return nil
	}},
	{"auto.create", boolProp(func(c *Config, b bool) { c.AutoCreate = b })},
	{"auto.evolve", boolProp(func(c *Config, b bool) { c.AutoEvolve = b })},
	{"quote.sql.identifiers", func(_ *Config, v string) error {
		if v != "always" {
			return fmt.Errorf("only always is supported")
		}
		return nil
	}},
	{"max.retries", intProp(func(c *Config, n int) { c.MaxRetries = n }, 0)},
	{"retry.backoff.ms", msProp(func(c *Config, d time.Duration) { c.RetryBackoff = d })},
	{"errors.tolerance", enumProp(func(c *Config, v string) { c.ToleranceAll = v == "all" }, "none", "all")},
	{"errors.log.enable", boolProp(func(c *Config, b bool) { c.LogErrors = b })},
	{"errors.log.include.messages", boolProp(func(c *Config, b bool) { c.LogWithMessage = b })},
	{"errors.deadletterqueue.topic.name", func(c *Config, v string) error { c.DLQTopic = v; return nil }},
	{"errors.deadletterqueue.topic.replication.factor", intProp(func(c *Config, n int) { c.DLQReplicas = n }, -1)},
	{"errors.deadletterqueue.context.headers.enable", boolProp(func(c *Config, b bool) { c.DLQHeaders = b })},
}

// Parse validates a connector's properties as the JDBC sink documents them.
// Errors are *sqlerr.Error naming the property.
func Parse(props map[string]string) (*Config, error) {
	var unknown []string
	for k := range props {
		if !slices.ContainsFunc(properties, func(p property) bool { return p.name == k }) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue,
			"the JDBC sink connector does not support the properties %s", strings.Join(unknown, ", "))
	}
	if props["connector.class"] == "" {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "missing required property connector.class (%s)", Class)
	}
	raw, ok := props["connection.url"]
	if !ok {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "missing required property connection.url (jdbc:postgresql://host:port/database)")
	}
	conn, err := ParseURL(raw)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid connection.url %q: %v", raw, err)
	}
	c := &Config{
		Conn: conn, InsertMode: InsertMode, PKMode: PKNone, TableNameFormat: "${topic}",
		BatchSize: 3000, TasksMax: 1, MaxRetries: 10, RetryBackoff: 3 * time.Second,
		ConnectionAttempts: 3, ConnectionBackoff: 10 * time.Second, DLQReplicas: -1,
	}
	for _, p := range properties {
		v, ok := props[p.name]
		if !ok || p.set == nil {
			continue
		}
		if err := p.set(c, v); err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value %q for property %s: %v", v, p.name, err)
		}
	}
	return c, c.check()
}

// check enforces the rules between properties that the JDBC sink documents.
func (c *Config) check() error {
	bad := func(format string, args ...any) error {
		return sqlerr.Newf(sqlerr.InvalidParameterValue, format, args...)
	}
	switch {
	case len(c.Topics) > 0 && c.TopicsRegex != nil:
		return bad("topics and topics.regex are mutually exclusive")
	case len(c.Topics) == 0 && c.TopicsRegex == nil:
		return bad("one of topics or topics.regex is required")
	case c.DeleteEnabled && c.PKMode != PKRecordKey:
		return bad("delete.enabled=true requires pk.mode=record_key (pk.mode is %s)", c.PKMode)
	case c.InsertMode != InsertMode && c.PKMode == PKNone:
		return bad("insert.mode=%s requires a primary key: set pk.mode to record_key, record_value or kafka", c.InsertMode)
	case c.PKMode == PKKafka && c.PKFields != nil && len(c.PKFields) != 3:
		return bad("pk.mode=kafka needs pk.fields to name three columns (topic, partition, offset), not %d", len(c.PKFields))
	}
	return nil
}

// ParseURL translates a JDBC PostgreSQL URL (jdbc:postgresql://host:port/db?...)
// to a pgx connection configuration. The URL parameters pgJDBC shares with
// libpq are kept; any other is an error naming it.
func ParseURL(raw string) (*pgx.ConnConfig, error) {
	rest, ok := strings.CutPrefix(raw, "jdbc:postgresql:")
	if !ok {
		return nil, fmt.Errorf("only jdbc:postgresql: URLs are supported")
	}
	if !strings.HasPrefix(rest, "//") {
		return nil, fmt.Errorf("expected jdbc:postgresql://host[:port]/database")
	}
	u, err := url.Parse("postgres:" + rest)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	out := url.Values{}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "user", "password", "sslmode", "options":
			out.Set(k, v)
		case "ssl":
			if v == "true" {
				out.Set("sslmode", "require")
			}
		case "ApplicationName":
			out.Set("application_name", v)
		case "connectTimeout":
			out.Set("connect_timeout", v)
		case "currentSchema":
			out.Set("search_path", v)
		default:
			return nil, fmt.Errorf("URL parameter %s is not supported", k)
		}
	}
	if out.Get("sslmode") == "" {
		out.Set("sslmode", "disable") // pgJDBC's default: no TLS unless asked
	}
	u.RawQuery = out.Encode()
	return pgx.ParseConfig(u.String())
}

func list(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func intProp(set func(*Config, int), min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		if n < min {
			return fmt.Errorf("must be at least %d", min)
		}
		set(c, n)
		return nil
	}
}

func msProp(set func(*Config, time.Duration)) func(*Config, string) error {
	return intProp(func(c *Config, n int) { set(c, time.Duration(n)*time.Millisecond) }, 0)
}

func boolProp(set func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			set(c, true)
		case "false":
			set(c, false)
		default:
			return fmt.Errorf("must be true or false")
		}
		return nil
	}
}

func enumProp(set func(*Config, string), valid ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.ToLower(strings.TrimSpace(v))
		if !slices.Contains(valid, v) {
			return fmt.Errorf("must be one of %s", strings.Join(valid, ", "))
		}
		set(c, v)
		return nil
	}
}
