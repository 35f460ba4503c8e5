package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/sluice-db/sluice/kafkaio"
)

// runBroker is `sluice broker`: the embedded Kafka-protocol broker on its own,
// persisted under --data-dir, for several Sluice nodes to share when there is
// no Kafka cluster (sluice --kafka HOST:PORT on each node).
func runBroker(args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./sluice-broker", "directory of the broker's log and metadata")
	addr := fs.String("addr", "127.0.0.1:9092", "listen address")
	readyFile := fs.String("ready-file", "", `write {"kafka_addr": "host:port"} to this file once ready`)
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback --addr (without --sasl-user the broker has no authentication: whoever reaches it reads and writes every topic)")
	var auth kafkaAuthConfig
	auth.register(fs, "", "the broker lets in only this user (nodes give it with --kafka-sasl-user)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: sluice broker [--data-dir DIR] [--addr HOST:PORT [--allow-remote]] [--sasl-user-file F] [--ready-file F]\n\nRuns the embedded Kafka broker alone.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkListenAddr("--addr", *addr, *allowRemote, "--allow-remote"); err != nil {
		return err
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		return err
	}
	scram, err := auth.scram("")
	if err != nil {
		return err
	}
	b, err := kafkaio.StartEmbedded(*dataDir, *addr, kafkaio.EmbeddedConfig{SCRAM: scram})
	if err != nil {
		return err
	}
	defer b.Close()
	logger.Info("kafka broker started", "addr", b.Addr(), "dir", filepath.Join(*dataDir, "kafka"), "sasl_scram", scram != nil)
	fmt.Printf("sluice broker is ready\n  kafka: %s\n  data dir: %s\n", b.Addr(), *dataDir)
	if *readyFile != "" {
		if err := writeReadyFile(*readyFile, map[string]string{"kafka_addr": b.Addr()}); err != nil {
			return err
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	logger.Info("broker shutting down", "signal", (<-sig).String())
	return nil
}
