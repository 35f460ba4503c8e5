package jdbcsink

import (
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct{ url, host, db, user, want string }{
		{"jdbc:postgresql://db.example:6543/telemetry", "db.example", "telemetry", "", ""},
		{"jdbc:postgresql://127.0.0.1/app?user=bob&password=pw&ApplicationName=sluice", "127.0.0.1", "app", "bob", ""},
		{"jdbc:postgresql://h/db?loginTimeout=10", "", "", "", "URL parameter loginTimeout is not supported"},
		{"jdbc:mysql://h/db", "", "", "", "only jdbc:postgresql: URLs"},
		{"jdbc:postgresql:db", "", "", "", "expected jdbc:postgresql://host"},
	} {
		cfg, err := ParseURL(c.url)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.url, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if cfg.Host != c.host || cfg.Database != c.db || (c.user != "" && cfg.User != c.user) {
			t.Errorf("%s: host %s db %s user %s", c.url, cfg.Host, cfg.Database, cfg.User)
		}
	}
	cfg, _ := ParseURL("jdbc:postgresql://h:1/d?ApplicationName=sluice&currentSchema=sink")
	if cfg.RuntimeParams["application_name"] != "sluice" || cfg.RuntimeParams["search_path"] != "sink" || cfg.Port != 1 {
		t.Errorf("runtime params %v port %d", cfg.RuntimeParams, cfg.Port)
	}
}

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse(map[string]string{"connector.class": Class, "connection.url": "jdbc:postgresql://h/d", "topics": "a, b",
		"connection.user": "u", "connection.password": "p"})
	if err != nil {
		t.Fatal(err)
	}
	// The JDBC sink's documented defaults.
	if cfg.InsertMode != InsertMode || cfg.PKMode != PKNone || cfg.TableNameFormat != "${topic}" || cfg.BatchSize != 3000 ||
		cfg.MaxRetries != 10 || cfg.RetryBackoff != 3*time.Second || cfg.AutoCreate || cfg.AutoEvolve || cfg.DeleteEnabled ||
		cfg.ToleranceAll || cfg.TasksMax != 1 || strings.Join(cfg.Topics, "|") != "a|b" || cfg.Conn.User != "u" || cfg.Conn.Password != "p" {
		t.Errorf("defaults: %+v", cfg)
	}
	if tableName("kafka_${topic}", "orders").Sanitize() != `"kafka_orders"` || tableName("sink.${topic}", "T").Sanitize() != `"sink"."T"` {
		t.Error("table.name.format")
	}
}
