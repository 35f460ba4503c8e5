package script

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// restart stops the server (SIGTERM, or SIGKILL when kill is set, as a crash would)
// and starts it again on the same data directory; the session reconnects and sends
// SessionSetup again. It prints nothing.
func (r *runner) restart(t *testing.T, d *datadriven.TestData, kill bool) string {
	var err error
	if kill {
		err = r.srv.Kill()
	} else {
		err = r.srv.Stop(stopTimeout)
	}
	if err != nil {
		d.Fatalf(t, "%s: %v", d.Cmd, err)
	}
	r.srv = nil
	if err := r.start(t); err != nil {
		d.Fatalf(t, "start after %s: %v", d.Cmd, err)
	}
	return ""
}

// sleep waits for the duration given as its only argument, e.g. `sleep 500ms`. Prefer
// consume with a count: a sleep only makes a script slower, never more correct, except
// to give something time to NOT happen.
func (r *runner) sleep(t *testing.T, d *datadriven.TestData) string {
	if len(d.CmdArgs) != 1 {
		d.Fatalf(t, "sleep wants one duration")
	}
	dur, err := time.ParseDuration(d.CmdArgs[0].Key)
	if err != nil {
		d.Fatalf(t, "sleep: %v", err)
	}
	time.Sleep(dur)
	return ""
}

// healthz prints the HTTP status of GET /healthz.
func (r *runner) healthz(t *testing.T, d *datadriven.TestData) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := r.srv.Healthz(ctx)
	if err != nil {
		return err.Error() + "\n"
	}
	return fmt.Sprintf("%d\n", code)
}
