package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqlerr"
)

// RUN SCRIPT runs a file of the script directory statement by statement, and
// nothing outside it: not by an absolute path, "..", or a symbolic link.
func TestRunScript(t *testing.T) {
	dir := t.TempDir()
	scripts := filepath.Join(dir, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(scripts, "setup.sql"), `-- the rides pipeline
DEFINE fmt = 'JSON';
CREATE STREAM rides (id INT KEY, km DOUBLE) WITH (KAFKA_TOPIC='rides', VALUE_FORMAT='${fmt}', PARTITIONS=1);
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM long_rides AS SELECT id, km FROM rides WHERE km > 10 EMIT CHANGES;
INSERT INTO rides (id, km) VALUES (1, 12.5);
`)
	write(filepath.Join(scripts, "select.sql"), "CREATE STREAM x (id INT KEY) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON', PARTITIONS=1);\nSELECT * FROM rides EMIT CHANGES;\n")
	write(filepath.Join(scripts, "bad.sql"), "CREATE STREAM y (id INT KEY) WITH (KAFKA_TOPIC='y', VALUE_FORMAT='JSON', PARTITIONS=1);\n\nDROP STREAM no_such_stream;\n")
	write(filepath.Join(dir, "outside.sql"), "DROP STREAM rides;\n")
	if err := os.Symlink(filepath.Join(dir, "outside.sql"), filepath.Join(scripts, "link.sql")); err != nil {
		t.Fatal(err)
	}
	env := startEnvWith(t, filepath.Join(dir, "data"), Config{ScriptDir: scripts})
	run := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return env.engine.NewSession(nil).Execute(ctx, sql, nil, &collect{})
	}
	if err := run("RUN SCRIPT 'setup.sql'"); err != nil {
		t.Fatal(err)
	}
	if got := env.consume("LONG_RIDES", 1); len(got) != 1 || !strings.Contains(got[0], `"KM":12.5`) {
		t.Fatalf("the script's query wrote %q", got)
	}
	for _, c := range []struct{ sql, code, msg string }{
		{"RUN SCRIPT 'select.sql'", sqlerr.FeatureNotSupported, "select.sql, line 2: RUN SCRIPT does not run SELECT * statements"},
		{"RUN SCRIPT 'bad.sql'", sqlerr.UndefinedTable, "bad.sql, line 3: "},
		{"RUN SCRIPT '" + filepath.Join(dir, "outside.sql") + "'", sqlerr.InsufficientPrivilege, "reads only files under the script directory"},
		{"RUN SCRIPT '../outside.sql'", sqlerr.InsufficientPrivilege, "reads only files under the script directory"},
		{"RUN SCRIPT 'link.sql'", sqlerr.InsufficientPrivilege, "reads only files under the script directory"},
		{"RUN SCRIPT 'missing.sql'", sqlerr.UndefinedObject, "does not exist"},
	} {
		e := sqlerr.As(run(c.sql))
		if e == nil || e.Code != c.code || !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: %v, want %s %q", c.sql, e, c.code, c.msg)
		}
	}
	// select.sql ran nothing: its CREATE came before the refused SELECT.
	if _, err := env.engine.catalog.Source("X"); err == nil {
		t.Error("a refused script ran its first statement")
	}
	// RIDES is still there: outside.sql never ran.
	if _, err := env.engine.catalog.Source("RIDES"); err != nil {
		t.Errorf("a file outside the script directory ran: %v", err)
	}

	off := startEnv(t, filepath.Join(dir, "data2"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if e := sqlerr.As(off.engine.NewSession(nil).Execute(ctx, "RUN SCRIPT 'setup.sql'", nil, &collect{})); e == nil || e.Code != sqlerr.FeatureNotSupported {
		t.Errorf("RUN SCRIPT without a script directory: %v", e)
	}
}
