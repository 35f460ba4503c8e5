// Package storage is the ordered key-value store operator state lives on, backed by
// Pebble under the node's data directory. Keys are namespaced by the caller (query,
// store, partition) so partitions can later move between nodes. A commit is refused
// (ErrDiskFull) rather than written when the disk is nearly full.
//
// It knows nothing of SQL, rows or Kafka.
package storage
