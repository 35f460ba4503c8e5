package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/schemaregistry"
)

// startSchemaRegistry serves the embedded Schema Registry on --schema-registry-addr,
// or, with --schema-registry, uses that one and serves none. It returns the URL
// clients (and the engine) reach the registry at, and a function that stops it.
func startSchemaRegistry(cfg config, cluster *kafkaio.Cluster, logger *slog.Logger) (string, func(), error) {
	if cfg.srURL != "" {
		return strings.TrimRight(cfg.srURL, "/"), func() {}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	reg, err := schemaregistry.Open(ctx, schemaregistry.Config{Cluster: cluster, Logger: logger,
		WriterID: "_sluice_" + cfg.serviceID + "_schemas_" + cfg.nodeID})
	cancel()
	if err != nil {
		return "", nil, fmt.Errorf("schema registry: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.srAddr)
	if err != nil {
		reg.Close()
		return "", nil, fmt.Errorf("listen on --schema-registry-addr: %w", err)
	}
	srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("schema registry listener stopped", "err", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		reg.Close()
	}
	return "http://" + ln.Addr().String(), stop, nil
}
