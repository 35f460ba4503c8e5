package sqltests

import (
	"path/filepath"
	"testing"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// startServer runs the server built for the tests on a fresh data directory
// under dir, with extra flags. When the test ends it is stopped with SIGTERM,
// and an unclean exit (a race report included) fails the test.
func startServer(t *testing.T, dir string, args ...string) *harness.Server {
	t.Helper()
	srv, err := harness.Start(harness.Config{Binary: sluiceBinary(t), DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log"), Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice: %v", err)
		}
	})
	return srv
}
