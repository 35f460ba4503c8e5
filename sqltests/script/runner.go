package script

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// SessionSetup is sent first in every session (and again after each reconnect), so
// that persistent and push queries read their sources from the beginning and test
// results do not depend on timing.
const SessionSetup = "SET 'auto.offset.reset'='earliest';"

// stopTimeout bounds a clean shutdown: the contract wants offsets committed on
// SIGTERM, which should take well under this.
const stopTimeout = 30 * time.Second

// runner holds the state of one script: its server, session and Kafka client.
type runner struct {
	cfg   harness.Config
	srv   *harness.Server
	sess  *harness.Session
	kafka *harness.Kafka
}

// Run starts a server on a fresh data directory, runs the script at path against it
// and stops the server, failing t if the server does not shut down cleanly.
func Run(t *testing.T, binary, path string) {
	dir := t.TempDir()
	r := &runner{cfg: harness.Config{
		Binary:  binary,
		DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "sluice.log"),
	}}
	if err := r.start(t); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.shutdown(t) })
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		return r.exec(t, d)
	})
}

// exec runs one command and returns its output.
func (r *runner) exec(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "statement":
		return r.statement(t, d)
	case "query":
		return r.query(t, d)
	case "produce":
		return r.produce(t, d)
	case "consume":
		return r.consume(t, d)
	case "create-topic":
		return r.createTopic(t, d)
	case "restart":
		return r.restart(t, d, false)
	case "kill":
		return r.restart(t, d, true)
	case "sleep":
		return r.sleep(t, d)
	case "healthz":
		return r.healthz(t, d)
	}
	d.Fatalf(t, "unknown command %q (see sqltests/README.md)", d.Cmd)
	return ""
}

// start runs the server and opens the session and the Kafka client.
func (r *runner) start(t *testing.T) error {
	srv, err := harness.Start(r.cfg)
	if err != nil {
		return err
	}
	r.srv = srv
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.sess == nil {
		r.sess, err = harness.Connect(ctx, srv.Addrs.PG, SessionSetup)
	} else {
		err = r.sess.Reconnect(ctx, srv.Addrs.PG)
	}
	if err != nil {
		return errorWithLog(err, srv)
	}
	if r.kafka != nil {
		r.kafka.Close()
	}
	r.kafka, err = harness.NewKafka(srv.Addrs.Kafka)
	return err
}

// shutdown closes the clients and stops the server; an unclean exit fails the test.
func (r *runner) shutdown(t *testing.T) {
	if r.sess != nil {
		r.sess.Close()
	}
	if r.kafka != nil {
		r.kafka.Close()
	}
	if r.srv != nil {
		if err := r.srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice at the end of the script: %v", err)
		}
	}
}

// errorWithLog adds the server's log tail to err.
func errorWithLog(err error, srv *harness.Server) error {
	return &logError{err: err, log: srv.LogTail()}
}

type logError struct {
	err error
	log string
}

func (e *logError) Error() string { return e.err.Error() + "\n" + e.log }
func (e *logError) Unwrap() error { return e.err }
