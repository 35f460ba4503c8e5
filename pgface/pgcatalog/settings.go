package pgcatalog

import (
	"sort"
	"strings"
	"sync"
)

// parameter is a Postgres run-time parameter a client may SET or SHOW.
type parameter struct {
	name string // canonical spelling, as SHOW labels its column
	def  string
	desc string
}

// parameters are the run-time parameters Postgres clients read or set. Setting one
// changes only what this session reports (none changes how Sluice runs queries).
var parameters = func() map[string]parameter {
	list := []parameter{
		{"application_name", "", "Sets the application name to be reported in statistics and logs."},
		{"bytea_output", "hex", "Sets the output format for bytea."},
		{"client_encoding", "UTF8", "Sets the client's character set encoding."},
		{"client_min_messages", "notice", "Sets the message levels that are sent to the client."},
		{"DateStyle", "ISO, MDY", "Sets the display format for date and time values."},
		{"default_transaction_isolation", "read committed", "Sets the transaction isolation level of each new transaction."},
		{"default_transaction_read_only", "off", "Sets the default read-only status of new transactions."},
		{"extra_float_digits", "1", "Sets the number of digits displayed for floating-point values."},
		{"idle_in_transaction_session_timeout", "0", "Sets the maximum allowed idle time between queries, when in a transaction."},
		{"in_hot_standby", "off", "Shows whether hot standby is currently active."},
		{"integer_datetimes", "on", "Shows whether datetimes are integer based."},
		{"IntervalStyle", "postgres", "Sets the display format for interval values."},
		{"is_superuser", "off", "Shows whether the current user is a superuser."},
		{"lc_collate", "C.UTF-8", "Shows the collation order locale."},
		{"lc_ctype", "C.UTF-8", "Shows the character classification and case conversion locale."},
		{"lc_messages", "C.UTF-8", "Sets the language in which messages are displayed."},
		{"lc_monetary", "C.UTF-8", "Sets the locale for formatting monetary amounts."},
		{"lc_numeric", "C.UTF-8", "Sets the locale for formatting numbers."},
		{"lc_time", "C.UTF-8", "Sets the locale for formatting date and time values."},
		{"lock_timeout", "0", "Sets the maximum allowed duration of any wait for a lock."},
		{"max_connections", "100", "Sets the maximum number of concurrent connections."},
		{"max_identifier_length", "63", "Shows the maximum identifier length."},
		{"search_path", `"$user", public`, "Sets the schema search order for names that are not schema-qualified."},
		{"server_encoding", "UTF8", "Shows the server (database) character set encoding."},
		{"server_version", "13.0.0", "Shows the server version."},
		{"server_version_num", "130000", "Shows the server version as an integer."},
		{"session_authorization", "", "Sets the session user name."},
		{"standard_conforming_strings", "on", "Causes '...' strings to treat backslashes literally."},
		{"statement_timeout", "0", "Sets the maximum allowed duration of any statement."},
		{"synchronous_commit", "on", "Sets the current transaction's synchronization level."},
		{"TimeZone", "UTC", "Sets the time zone for displaying and interpreting time stamps."},
		{"transaction_isolation", "read committed", "Sets the current transaction's isolation level."},
		{"transaction_read_only", "off", "Sets the current transaction's read-only status."},
		{"row_security", "on", "Enable row security."},
		{"ssl", "off", "Enables SSL connections."},
		{"jit", "off", "Allow JIT compilation."},
		{"geqo", "on", "Enables genetic query optimization."},
		{"plan_cache_mode", "auto", "Controls the planner's selection of custom or generic plan."},
		{"work_mem", "4MB", "Sets the maximum memory to be used for query workspaces."},
		{"max_index_keys", "32", "Shows the maximum number of index keys."},
		{"block_size", "8192", "Shows the size of a disk block."},
		// Sluice's own: "ksql" sends SELECTs over Sluice's streams and tables to
		// the KSQL engine (ksqlDB's pull queries: its names, KEY columns and
		// rules) even when they are valid Postgres SQL, for ksqlDB tooling.
		{"sluice.dialect", "postgres", "How a SELECT over Sluice's streams and tables is answered: postgres (as PostgreSQL does) or ksql (as ksqlDB's pull query)."},
	}
	m := make(map[string]parameter, len(list))
	for _, p := range list {
		m[strings.ToLower(p.name)] = p
	}
	return m
}()

// IsParameter reports whether name (any case) is a Postgres run-time parameter this
// package keeps.
func IsParameter(name string) bool {
	_, ok := parameters[strings.ToLower(name)]
	return ok
}

// settings are one session's parameter values.
// settings are safe for concurrent use: a cursor's query may read them while
// the connection runs a SET (see pgface.Session.RunsBeside).
type settings struct {
	mu     sync.Mutex
	values map[string]string // lower-case name -> value, only those that differ from the default
	// fixed are values decided at startup (user, application_name, server_version).
	fixed map[string]string
	// reported are changes to parameters Postgres reports to the client
	// (ParameterStatus), not yet taken by TakeReports.
	reported []string
}

// reportedParameters are those Postgres sends a ParameterStatus for when they
// change (GUC_REPORT).
var reportedParameters = map[string]bool{
	"application_name": true, "client_encoding": true, "datestyle": true, "timezone": true,
	"intervalstyle": true, "standard_conforming_strings": true, "is_superuser": true,
	"integer_datetimes": true, "server_encoding": true, "server_version": true,
	"session_authorization": true, "default_transaction_read_only": true, "in_hot_standby": true,
}

func (s *settings) noteChange(name string) {
	if k := strings.ToLower(name); reportedParameters[k] {
		s.reported = append(s.reported, k)
	}
}

// takeReported returns the reported changes since the last call and forgets them.
func (s *settings) takeReported() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reported
	s.reported = nil
	return r
}

func newSettings(fixed map[string]string) *settings {
	return &settings{values: map[string]string{}, fixed: fixed}
}

func (s *settings) get(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(name)
	if v, ok := s.values[k]; ok {
		return v
	}
	if v, ok := s.fixed[k]; ok {
		return v
	}
	return parameters[k].def
}

func (s *settings) set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[strings.ToLower(name)] = value
	s.noteChange(name)
}

func (s *settings) reset(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, strings.ToLower(name))
	s.noteChange(name)
}

func (s *settings) resetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.values {
		s.noteChange(k)
	}
	s.values = map[string]string{}
}

// sorted returns every parameter by name.
func sortedParameters() []parameter {
	out := make([]parameter, 0, len(parameters))
	for _, p := range parameters {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].name) < strings.ToLower(out[j].name) })
	return out
}

func settingsRows(s *snapshot) [][]any {
	var out [][]any
	for _, p := range sortedParameters() {
		v := s.sess.settings.get(p.name)
		out = append(out, []any{p.name, v, nil, "Sluice", p.desc, nil, "user", "string", "default", nil, nil, nil, p.def, p.def, false})
	}
	return out
}
