package exec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// pinStart gives a new query reading from the latest offsets the end offsets of
// its input topics as they are now, committed for its group before it joins. A
// consumer's reset to the latest offset happens only when the group first gets
// its partitions, a moment after the statement returned, and records written in
// between would be skipped: an INSERT right after CREATE ... AS SELECT was lost.
// A group with committed offsets (a restarted query) is left as it is.
func (q *PersistentQuery) pinStart() error {
	cl, err := q.clients.NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	committed, err := adm.FetchOffsets(ctx, q.Group)
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		// A new group: nothing committed.
	case err != nil:
		return fmt.Errorf("fetch offsets of group %s: %w", q.Group, err)
	case len(committed.Offsets()) > 0:
		return nil
	}
	ends, err := adm.ListEndOffsets(ctx, q.Topics()...)
	if err != nil {
		return fmt.Errorf("list end offsets of %v: %w", q.Topics(), err)
	}
	resp, err := adm.CommitOffsets(ctx, q.Group, ends.Offsets())
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("commit start offsets of group %s: %w", q.Group, err)
	}
	return nil
}
