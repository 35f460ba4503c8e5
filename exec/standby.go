package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/storage"
)

// Standby tasks. A node keeps a warm copy of state partitions another node
// runs by tailing their changelog into its own store, in the same keys the
// active task would write, so that
//   - a pull query can be answered from the copy while the owner is down (the
//     group moves its partitions only after the session timeout), and
//   - when the group gives this node the partition, it catches up from where
//     the copy is instead of rebuilding the whole partition.
//
// A copy is applied one flush at a time (up to a flush marker, in one store
// batch with the changelog offset after the marker, plan.StoreStandby), so it
// is always some state the active task committed. The offset key marks the
// partition's local state as a standby copy: a partition this node ran itself
// has none, and becoming a standby for it starts over from the changelog's
// beginning (the changelog position matching state this node wrote is not
// known).

// standbys is a query's set of standby partitions and the client tailing them.
type standbys struct {
	q *PersistentQuery

	// mu guards parts and is held while a flush is applied, so that a
	// partition taken out of the set (promoted to active) sees no write after.
	mu    sync.Mutex
	parts map[int32]*standbyPart
	cl    *kgo.Client
	stop  context.CancelFunc
	done  chan struct{}
}

// standbyPart is the progress of one standby partition.
type standbyPart struct {
	next    int64         // changelog offset after the last applied flush
	end     int64         // the changelog's last stable offset, as of the last fetch
	pending []*kgo.Record // records since the last marker
}

// StandbyLag is how far a standby copy is behind its changelog.
type StandbyLag struct {
	Partition int32
	Lag       int64 // changelog records not applied yet (as of the last fetch)
}

// SetStandbys makes parts the partitions this node keeps standby copies of,
// leaving out those it runs itself. Partitions leaving the set stop being
// followed; their copy stays (with its offset) for a later standby or promotion.
func (q *PersistentQuery) SetStandbys(parts []int32) error {
	if q.changelog == "" || q.store == nil {
		return nil
	}
	ends := q.changelogEnds(parts)
	// q.mu before s.mu, as in the assignment callback (promote): a partition
	// is either assigned here or added to the set, never both.
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return nil
	}
	state := q.StateTopics()
	want := slices.DeleteFunc(slices.Clone(parts), func(p int32) bool {
		for _, t := range state {
			if q.assigned[topicPartition{t, p}] {
				return true
			}
		}
		return false
	})
	s := q.standby
	s.mu.Lock()
	defer s.mu.Unlock()
	var remove []int32
	for p := range s.parts {
		if !slices.Contains(want, p) {
			remove = append(remove, p)
		}
	}
	add := map[int32]kgo.Offset{}
	for _, p := range want {
		if _, ok := s.parts[p]; ok {
			continue
		}
		next, err := q.standbyStart(p)
		if err != nil {
			return err
		}
		add[p] = kgo.NewOffset().At(next)
		end, ok := ends[p]
		if !ok {
			end = -1
		}
		s.parts[p] = &standbyPart{next: next, end: end}
	}
	if len(remove) == 0 && len(add) == 0 {
		return nil
	}
	if err := s.ensureClient(); err != nil {
		return err
	}
	for _, p := range remove {
		delete(s.parts, p)
	}
	if len(remove) > 0 {
		s.cl.RemoveConsumePartitions(map[string][]int32{q.changelog: remove})
	}
	if len(add) > 0 {
		s.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{q.changelog: add})
	}
	q.logger.Info("standby tasks", "partitions", fmt.Sprint(s.sortedLocked()))
	return nil
}

// HasChangelog reports whether the query keeps state with a changelog, which
// standby copies follow.
func (q *PersistentQuery) HasChangelog() bool { return q.changelog != "" && q.store != nil }

// changelogEnds returns the last stable offsets of the partitions parts of
// the changelog that are not followed yet, so that a new copy's lag is known
// before its first fetch (an empty changelog has nothing to fetch).
func (q *PersistentQuery) changelogEnds(parts []int32) map[int32]int64 {
	s := q.standby
	s.mu.Lock()
	fresh := slices.DeleteFunc(slices.Clone(parts), func(p int32) bool { _, ok := s.parts[p]; return ok })
	s.mu.Unlock()
	ends := map[int32]int64{}
	if len(fresh) == 0 {
		return ends
	}
	cl, err := q.clients.NewClient()
	if err != nil {
		return ends
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offs, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, q.changelog)
	if err != nil {
		return ends
	}
	for _, p := range fresh {
		if o, ok := offs.Lookup(q.changelog, p); ok && o.Err == nil {
			ends[p] = o.Offset
		}
	}
	return ends
}

// StandbyPartitions returns the partitions kept as standby copies, with their lag.
func (q *PersistentQuery) StandbyPartitions() []StandbyLag {
	if q.standby == nil {
		return nil
	}
	s := q.standby
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StandbyLag
	for _, p := range s.sortedLocked() {
		sp := s.parts[p]
		lag := int64(-1) // not fetched yet
		if sp.end >= 0 {
			lag = max(sp.end-sp.next, 0)
		}
		out = append(out, StandbyLag{Partition: p, Lag: lag})
	}
	return out
}

func (s *standbys) sortedLocked() []int32 {
	out := make([]int32, 0, len(s.parts))
	for p := range s.parts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// standbyStart returns where a standby copy of partition p resumes: after the
// copy it has, or at the changelog's start once any other local state of the
// partition (this node's own, from when it ran it) is discarded.
func (q *PersistentQuery) standbyStart(p int32) (int64, error) {
	v, ok, err := q.store.Get(StatePrefix(q.ID, plan.StoreStandby, p))
	if err != nil {
		return 0, err
	}
	if ok && len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	// What the processor may still hold of the partition in memory is dropped
	// by its loop before the next batch (dropRevoked).
	return 0, q.discardStored(p)
}

// ensureClient starts the client tailing the changelog, once.
func (s *standbys) ensureClient() error {
	if s.cl != nil {
		return nil
	}
	cl, err := s.q.clients.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{}),
		kgo.FetchMaxWait(200*time.Millisecond),
		// Only committed changelog records: under exactly-once an aborted
		// transaction's state never happened.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Transaction markers come as records, so that a copy's position
		// moves past the marker ending each exactly-once commit: otherwise
		// its lag would stay at one record for ever.
		kgo.KeepControlRecords(),
	)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cl, s.stop, s.done = cl, cancel, make(chan struct{})
	go s.tail(ctx, cl)
	return nil
}

// tail applies the changelog to the standby copies until stopped.
func (s *standbys) tail(ctx context.Context, cl *kgo.Client) {
	defer close(s.done)
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			s.q.logger.Warn("standby: read changelog", "topic", t, "partition", p, "err", err)
		})
		s.mu.Lock()
		var err error
		fs.EachPartition(func(fp kgo.FetchTopicPartition) {
			if err != nil {
				return
			}
			sp, ok := s.parts[fp.Partition]
			if !ok {
				return // no longer a standby (promoted or dropped)
			}
			err = s.applyLocked(fp.Partition, sp, fp.Records)
			if fp.LastStableOffset >= 0 {
				sp.end = fp.LastStableOffset
			} else if fp.HighWatermark >= 0 {
				sp.end = fp.HighWatermark
			}
		})
		s.mu.Unlock()
		if err != nil {
			s.q.logger.Error("standby: apply changelog; the copy is rebuilt when this node next keeps it", "err", err)
		}
	}
}

// applyLocked applies a partition's changelog records one flush at a time.
func (s *standbys) applyLocked(p int32, sp *standbyPart, recs []*kgo.Record) error {
	var b *storage.Batch
	// next is the position after the last flush applied; past is the position
	// after the last transaction marker with no record pending before it,
	// which the copy is caught up to as well.
	var next, past int64
	for _, r := range recs {
		if r.Attrs.IsControl() {
			if len(sp.pending) == 0 {
				past = r.Offset + 1
			}
			continue
		}
		if !bytes.Equal(r.Key, markerKey) {
			sp.pending = append(sp.pending, r)
			continue
		}
		if b == nil {
			b = s.q.store.NewBatch()
		}
		for _, pr := range sp.pending {
			if err := applyChangelog(b, s.q.ID, p, pr); err != nil {
				b.Close()
				return err
			}
		}
		sp.pending = sp.pending[:0]
		next = r.Offset + 1
	}
	if b == nil {
		sp.next = max(sp.next, past)
		return nil
	}
	if err := b.Set(StatePrefix(s.q.ID, plan.StoreStandby, p), binary.BigEndian.AppendUint64(nil, uint64(next))); err != nil {
		b.Close()
		return err
	}
	if err := b.Commit(false); err != nil {
		return err
	}
	sp.next = max(next, past)
	return nil
}

// promote takes partitions the group just gave this node out of the standby
// set and returns those it keeps a standby copy of, with the changelog offset
// each copy has applied up to: their tasks start from the copy, caught up to
// the end of the changelog in the background (task.go). Called with q.mu held,
// in the assignment callback, before the checkpoints are checked.
func (q *PersistentQuery) promote(parts map[string][]int32) map[int32]int64 {
	if q.changelog == "" || q.store == nil {
		return nil
	}
	state := q.StateTopics()
	var promoted []int32
	s := q.standby
	s.mu.Lock()
	for t, ps := range parts {
		if !slices.Contains(state, t) {
			continue
		}
		for _, p := range ps {
			if _, ok := s.parts[p]; ok {
				delete(s.parts, p)
				promoted = append(promoted, p)
			}
		}
	}
	if len(promoted) > 0 && s.cl != nil {
		s.cl.RemoveConsumePartitions(map[string][]int32{q.changelog: promoted})
	}
	s.mu.Unlock()
	copies := map[int32]int64{}
	for t, ps := range parts {
		if !slices.Contains(state, t) {
			continue
		}
		for _, p := range ps {
			v, ok, err := q.store.Get(StatePrefix(q.ID, plan.StoreStandby, p))
			if err == nil && ok && len(v) == 8 {
				copies[p] = int64(binary.BigEndian.Uint64(v))
			}
		}
	}
	return copies
}

// catchUpCopy brings the standby copy of partition p, applied up to changelog
// offset from, to the end of the changelog and marks it as the node's own
// state. On an error the copy is discarded from the store. It touches only the
// store: the restore runs beside the query's loop (task.go).
func (q *PersistentQuery) catchUpCopy(ctx context.Context, p int32, from int64) (int, error) {
	n, err := restorePartition(ctx, q.clients, q.store, q.ID, q.changelog, p, from)
	if err == nil {
		b := q.store.NewBatch()
		if err = b.Delete(StatePrefix(q.ID, plan.StoreStandby, p)); err == nil {
			err = b.Commit(true)
		} else {
			b.Close()
		}
	}
	if err != nil {
		if derr := q.discardStored(p); derr != nil {
			q.logger.Error("discard local state", "partition", p, "err", derr)
		}
		return 0, err
	}
	q.logger.Info("promoted standby copy", "partition", p, "from_changelog_offset", from, "records", n)
	return n, nil
}

// close stops tailing.
func (s *standbys) close() {
	s.mu.Lock()
	cl, stop, done := s.cl, s.stop, s.done
	s.cl = nil
	s.parts = map[int32]*standbyPart{}
	s.mu.Unlock()
	if cl == nil {
		return
	}
	stop()
	<-done
	cl.Close()
}
