package sqltests

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestSchemaRegistrySurvivesRestart registers schemas through the embedded Schema
// Registry the ready file names, kills the server (SIGKILL) and starts it again on
// the same data directory: the registry rebuilds its state from the _schemas topic,
// so ids and versions are unchanged and new ids continue after the old ones.
func TestSchemaRegistrySurvivesRestart(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	cfg := harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	srv, err := harness.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := func(s *harness.Server) *sr.Client {
		if s.Addrs.SchemaRegistry == "" {
			t.Fatal("the ready file names no schema_registry_url")
		}
		cl, err := sr.NewClient(sr.URLs(s.Addrs.SchemaRegistry))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	cl := client(srv)
	schemas := []string{
		`{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}`,
		`{"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}`,
	}
	for i, s := range schemas {
		id, err := cl.RegisterSchema(ctx, "t-value", sr.Schema{Schema: s}, -1, -1)
		if err == nil && id != i+1 {
			t.Fatalf("schema %d got id %d", i+1, id)
		}
		if err != nil {
			// B is not BACKWARD compatible with A: register it under NONE.
			for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatNone}, "t-value") {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			if id, err = cl.RegisterSchema(ctx, "t-value", sr.Schema{Schema: s}, -1, -1); err != nil || id != i+1 {
				t.Fatalf("schema %d: id %d, %v", i+1, id, err)
			}
		}
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	srv, err = harness.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice: %v", err)
		}
	})
	cl = client(srv)
	for i, s := range schemas {
		ss, err := cl.LookupSchema(ctx, "t-value", sr.Schema{Schema: s})
		if err != nil || ss.ID != i+1 || ss.Version != i+1 {
			t.Fatalf("after restart, schema %d: %+v, %v", i+1, ss, err)
		}
	}
	id, err := cl.RegisterSchema(ctx, "u-value", sr.Schema{Schema: `"string"`}, -1, -1)
	if err != nil || id != 3 {
		t.Fatalf("a new schema after restart: id %d, %v", id, err)
	}
}
