package sqltests

import (
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// startNode runs a node of the binary bin over the Kafka cluster at
// kafkaAddr, with its data directory and log under dir, and extra flags; it is
// killed when the test ends. The returned config starts it again (after a
// kill, say).
func startNode(t *testing.T, bin, dir, kafkaAddr string, args ...string) (harness.Config, *harness.Server) {
	t.Helper()
	node := harness.Config{Binary: bin, DataDir: filepath.Join(dir, "node"), LogPath: filepath.Join(dir, "node.log"),
		Args: append([]string{"--kafka", kafkaAddr}, args...)}
	srv, err := harness.Start(node)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Kill() })
	return node, srv
}

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

// killUntilDone kills the node with SIGKILL at random moments (300 ms plus up
// to spread apart) and starts it again on the same data directory, until
// produced delivers (an error there fails the test). It returns the server
// now running and how many times it was killed.
func killUntilDone(t *testing.T, srv *harness.Server, node harness.Config, rng *rand.Rand, spread time.Duration, produced <-chan error) (*harness.Server, int) {
	t.Helper()
	kills := 0
	for {
		select {
		case err := <-produced:
			if err != nil {
				t.Fatal(err)
			}
			return srv, kills
		case <-time.After(300*time.Millisecond + time.Duration(rng.Int63n(int64(spread)))):
			if err := srv.Kill(); err != nil {
				t.Fatal(err)
			}
			kills++
			var err error
			if srv, err = harness.Start(node); err != nil {
				t.Fatal(err)
			}
		}
	}
}
