// Package catalog holds the engine's metadata: streams, tables and persistent
// queries, and which queries read and write which sources. It is an in-memory
// model rebuilt on every node by replaying the command topic, so it holds only what
// follows deterministically from the statements; it never talks to Kafka itself.
package catalog
