// Package console serves Sluice's web console at GET / on the HTTP listener:
// a page and its script, embedded in the binary (no CDN: it works offline),
// that read the node's own endpoints only: /queries for query state, lag and
// throughput, ksqlDB's REST API (/ksql, /query-stream, /close-query) for
// sources and for running statements and queries. It holds no state and has
// no server-side logic beyond serving the files.
package console
