package jdbcsink

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OffsetsTable is the table, in the target database, that holds each
// connector's position in each topic partition: the offset of the next record
// to write. A batch's rows and its row here commit in one transaction, so the
// database, not the consumer group, is the authority on what was written.
const OffsetsTable = "__sluice_connector_offsets"

// noOffset is the position of a partition with no row in OffsetsTable yet.
const noOffset = -1

func createOffsetsTable(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+OffsetsTable+` (
		connector TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset BIGINT NOT NULL,
		PRIMARY KEY (connector, topic, partition))`)
	return err
}

// loadOffsets reads the stored positions of a connector's partitions.
func loadOffsets(ctx context.Context, pool *pgxpool.Pool, connector string) (map[string]map[int32]int64, error) {
	rows, err := pool.Query(ctx, `SELECT topic, partition, next_offset FROM `+OffsetsTable+` WHERE connector = $1`, connector)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int32]int64{}
	var topic string
	var part int32
	var next int64
	_, err = pgx.ForEachRow(rows, []any{&topic, &part, &next}, func() error {
		if out[topic] == nil {
			out[topic] = map[int32]int64{}
		}
		out[topic][part] = next
		return nil
	})
	return out, err
}

// errFenced means the stored position of a partition is not the one the
// batch started from: another task (after a rebalance) wrote it meanwhile.
// The transaction is rolled back and the task reads from the stored position.
var errFenced = errors.New("the partition's stored offset moved: another task wrote it")

// advance moves a partition's stored position from `from` (noOffset: no row
// yet) to next, in the batch's transaction, or fails with errFenced.
func advance(ctx context.Context, tx pgx.Tx, connector, topic string, partition int32, from, next int64) error {
	tag, err := tx.Exec(ctx, `INSERT INTO `+OffsetsTable+` AS o (connector, topic, partition, next_offset)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (connector, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
		WHERE o.next_offset = $5`, connector, topic, partition, next, from)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errFenced
	}
	return nil
}
