package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/kafkaio"
)

// DefaultTopic is the topic Confluent Schema Registry keeps its state in.
const DefaultTopic = "_schemas"

// Error is a registry error as the REST API returns it: an HTTP status and a
// Confluent error code (40401 subject not found, 409 incompatible schema, ...).
type Error struct {
	Status  int    `json:"-"`
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (error code %d)", e.Message, e.Code) }

func errorf(status, code int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errSubjectNotFound(s string) *Error {
	return errorf(http.StatusNotFound, 40401, "Subject '%s' not found.", s)
}
func errVersionNotFound(s string, v int) *Error {
	return errorf(http.StatusNotFound, 40402, "Version %d not found.", v)
}
func errSchemaNotFound() *Error { return errorf(http.StatusNotFound, 40403, "Schema not found") }
func errInvalidSchema(err error) *Error {
	return errorf(http.StatusUnprocessableEntity, 42201, "%v", err)
}

// Config configures a Registry.
type Config struct {
	Cluster *kafkaio.Cluster
	Topic   string // DefaultTopic when empty
	Logger  *slog.Logger
	// DefaultCompatibility is the global level while none is set (BACKWARD, as
	// Confluent's default, when empty).
	DefaultCompatibility string
	// WriterID is this node's transactional id for appends to the topic: unique
	// among the nodes sharing it, stable across restarts (see kafkaio.SerialLog).
	WriterID string
}

// Registry is the registry's state, read from and written to its topic. It is safe
// for concurrent use.
type Registry struct {
	cfg Config
	log *kafkaio.SerialLog

	mu      sync.Mutex
	st      *state
	applied int64         // offset of the next record the tail will apply
	notify  chan struct{} // closed and replaced after each applied batch
	tailErr error

	writeMu sync.Mutex // one write at a time: ids and versions are allocated from the state
	cancel  context.CancelFunc
	done    chan struct{}
}

// Open creates the topic if needed, replays it, and tails it until Close.
func Open(ctx context.Context, cfg Config) (*Registry, error) {
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DefaultCompatibility == "" {
		cfg.DefaultCompatibility = CompatBackward
	}
	compact := "compact"
	if err := cfg.Cluster.CreateTopic(ctx, cfg.Topic, 1, 1, map[string]*string{"cleanup.policy": &compact}); err != nil {
		return nil, fmt.Errorf("schema registry topic: %w", err)
	}
	if cfg.WriterID == "" {
		return nil, errors.New("schema registry: no writer id")
	}
	// Appends are conditional on the topic's end, so nodes sharing the topic
	// cannot give one id to two schemas.
	l, err := kafkaio.OpenSerialLog(ctx, cfg.Cluster, cfg.Topic, cfg.WriterID, func(err error) {
		cfg.Logger.Warn("the Kafka cluster has no transactions: schemas registered on several nodes at once may get one id", "err", err)
	}, kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("schema registry topic: %w", err)
	}
	tailCtx, cancel := context.WithCancel(context.Background())
	r := &Registry{cfg: cfg, log: l, st: newState(), notify: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go r.tail(tailCtx)
	if err := r.catchUp(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close stops the tail and closes the client.
func (r *Registry) Close() {
	r.cancel()
	<-r.done
	r.log.Close()
}

func (r *Registry) tail(ctx context.Context) {
	defer close(r.done)
	for {
		fs := r.log.Reader().PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			r.cfg.Logger.Warn("schema registry: reading the topic", "topic", t, "err", err)
		})
		r.mu.Lock()
		fs.EachRecord(func(rec *kgo.Record) {
			if rec.Offset < r.applied {
				return // this node's own write, applied when it was appended (write)
			}
			r.applied = rec.Offset + 1 // transaction markers take offsets too
			if !rec.Attrs.IsControl() {
				r.st.apply(rec.Key, rec.Value)
			}
		})
		close(r.notify)
		r.notify = make(chan struct{})
		r.mu.Unlock()
	}
}

// catchUp waits until the tail has applied every record committed before the
// call.
func (r *Registry) catchUp(ctx context.Context) error {
	end, err := r.log.End(ctx)
	if err != nil {
		return errorf(http.StatusInternalServerError, 50002, "reading the schemas topic: %v", err)
	}
	return r.waitApplied(ctx, end)
}

func (r *Registry) waitApplied(ctx context.Context, off int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.applied < off {
		ch := r.notify
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			r.mu.Lock()
			return errorf(http.StatusInternalServerError, 50002, "timed out reading the schemas topic: %v", ctx.Err())
		}
		r.mu.Lock()
	}
	return nil
}

// write appends records computed by plan from the caught-up state and waits until
// the tail has applied them. plan runs with the state locked; it returns the
// records and the operation's result. When another node appended first, plan runs
// again on the state that includes its records.
func (r *Registry) write(ctx context.Context, plan func(st *state) ([]logRecord, error)) error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	for attempt := 1; ; attempt++ {
		if err := r.catchUp(ctx); err != nil {
			return err
		}
		r.mu.Lock()
		end := r.applied
		recs, err := plan(r.st)
		r.mu.Unlock()
		if err != nil || len(recs) == 0 {
			return err
		}
		krecs := make([]*kgo.Record, len(recs))
		for i, lr := range recs {
			krecs[i] = &kgo.Record{Key: lr.key, Value: lr.value}
		}
		last, err := r.log.AppendAt(ctx, end, krecs...)
		var aborted *kafkaio.AbortedAppendError
		switch {
		case errors.Is(err, kafkaio.ErrAppendRace) && attempt < 50:
			r.cfg.Logger.Info("schema registry: another node wrote first; deciding again", "attempt", attempt)
			continue
		case errors.As(err, &aborted) && attempt < 5 && ctx.Err() == nil:
			r.cfg.Logger.Warn("schema registry: a write failed and was rolled back; trying again", "attempt", attempt, "err", aborted.Err)
			continue
		case err != nil:
			return errorf(http.StatusInternalServerError, 50001, "Error while writing to the schemas topic: %v", err)
		}
		// The records are committed at end..last (the append checked it):
		// apply them now, in offset order with the tail, which skips them.
		// Waiting for the tail alone was not enough: under load its
		// read_committed fetch has been seen to pass such a record's commit
		// marker without the record, and the schema was then missing here
		// and its id given again. (Without transactions the append is not
		// conditional, and the tail decides.)
		if r.log.Serialized() {
			r.mu.Lock()
			for i, lr := range recs {
				if off := end + int64(i); off >= r.applied {
					r.st.apply(lr.key, lr.value)
					r.applied = off + 1
				}
			}
			r.mu.Unlock()
		}
		return r.waitApplied(ctx, last+1)
	}
}

// read runs fn on the state, locked.
func (r *Registry) read(fn func(st *state)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.st)
}

// SchemaRequest is the body of register, lookup and compatibility requests.
type SchemaRequest struct {
	Schema     string      `json:"schema"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	// ID and Version register with a given id and version (mode IMPORT only).
	ID      int `json:"id,omitempty"`
	Version int `json:"version,omitempty"`
}

func (q SchemaRequest) typ() string {
	if q.SchemaType == "" {
		return Avro
	}
	return q.SchemaType
}

// SubjectSchema is a subject's version as the REST API returns it.
type SubjectSchema struct {
	Subject    string      `json:"subject"`
	Version    int         `json:"version"`
	ID         int         `json:"id"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
}

func subjectSchema(subject string, v *version, c Content) SubjectSchema {
	ss := SubjectSchema{Subject: subject, Version: v.Version, ID: v.ID, References: c.References, Schema: c.Text}
	if c.Type != Avro {
		ss.SchemaType = c.Type
	}
	return ss
}

func (st *state) resolver() resolver {
	return func(ref Reference) (Content, error) {
		for _, v := range st.subjects[ref.Subject] {
			if v.Version == ref.Version || (ref.Version == -1 && v == st.subjects[ref.Subject][len(st.subjects[ref.Subject])-1]) {
				return st.byID[v.ID], nil
			}
		}
		return Content{}, fmt.Errorf("Invalid schema: reference %s to subject %q version %d not found", ref.Name, ref.Subject, ref.Version)
	}
}

func (st *state) level(subject string, def string) string {
	if l, ok := st.config[subject]; ok && subject != "" {
		return l
	}
	if l, ok := st.config[""]; ok {
		return l
	}
	return def
}

func (st *state) modeOf(subject string) string {
	if m, ok := st.mode[subject]; ok && subject != "" {
		return m
	}
	if m, ok := st.mode[""]; ok {
		return m
	}
	return ModeReadWrite
}

// parseAll parses the subject's live versions, oldest first.
func (st *state) parseAll(subject string) []*parsed {
	var out []*parsed
	for _, v := range st.live(subject, false) {
		c := st.byID[v.ID]
		if p, err := canonicalize(c.Type, c.Text, c.References, st.resolver()); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Register registers a schema under subject and returns its id: the existing id
// when the subject already holds the same schema, the id of the same schema under
// another subject, or a new one.
func (r *Registry) Register(ctx context.Context, subject string, q SchemaRequest) (int, error) {
	var id int
	err := r.write(ctx, func(st *state) ([]logRecord, error) {
		p, err := canonicalize(q.typ(), q.Schema, q.References, st.resolver())
		if err != nil {
			return nil, errInvalidSchema(err)
		}
		for _, v := range st.live(subject, false) {
			if st.byID[v.ID].equal(p.content) {
				id = v.ID
				return nil, nil
			}
		}
		mode := st.modeOf(subject)
		if mode == ModeReadOnly {
			return nil, errorf(http.StatusUnprocessableEntity, 42205, "Subject %s is in read-only mode", subject)
		}
		if q.ID > 0 || q.Version > 0 {
			if mode != ModeImport {
				return nil, errorf(http.StatusUnprocessableEntity, 42205, "Registering a schema with a given id or version is only permitted in IMPORT mode")
			}
		} else if mode == ModeImport {
			return nil, errorf(http.StatusUnprocessableEntity, 42205, "Subject %s is in import mode: give the schema's id", subject)
		}
		if mode != ModeImport {
			if msgs := incompatibilities(st.level(subject, r.cfg.DefaultCompatibility), p, st.parseAll(subject)); len(msgs) > 0 {
				return nil, errorf(http.StatusConflict, 409, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: %v", subject, msgs)
			}
		}
		switch {
		case q.ID > 0:
			if c, ok := st.byID[q.ID]; ok && !c.equal(p.content) {
				return nil, errorf(http.StatusUnprocessableEntity, 42207, "Overwrite new schema with id %d is not permitted.", q.ID)
			}
			id = q.ID
		default:
			var ok bool
			if id, ok = st.idFor(p.content); !ok {
				id = st.maxID + 1
			}
		}
		ver := q.Version
		if ver <= 0 {
			ver = 1
			if vs := st.subjects[subject]; len(vs) > 0 {
				ver = vs[len(vs)-1].Version + 1
			}
		}
		return []logRecord{schemaRecord(subject, &version{Version: ver, ID: id}, p.content)}, nil
	})
	return id, err
}

// Lookup finds the version of subject holding the schema.
func (r *Registry) Lookup(subject string, q SchemaRequest, deleted bool) (SubjectSchema, error) {
	var out SubjectSchema
	var err error
	r.read(func(st *state) {
		if len(st.live(subject, deleted)) == 0 {
			err = errSubjectNotFound(subject)
			return
		}
		var p *parsed
		if p, err = canonicalize(q.typ(), q.Schema, q.References, st.resolver()); err != nil {
			err = errInvalidSchema(err)
			return
		}
		for _, v := range st.live(subject, deleted) {
			if c := st.byID[v.ID]; c.equal(p.content) {
				out = subjectSchema(subject, v, c)
				return
			}
		}
		err = errSchemaNotFound()
	})
	return out, err
}

// SchemaByID returns the schema with the id.
func (r *Registry) SchemaByID(id int) (Content, error) {
	var c Content
	var ok bool
	r.read(func(st *state) { c, ok = st.byID[id] })
	if !ok {
		return c, errSchemaNotFound()
	}
	return c, nil
}

// VersionsByID lists the subject versions that hold the id.
func (r *Registry) VersionsByID(id int, deleted bool) ([]SubjectSchema, error) {
	var out []SubjectSchema
	r.read(func(st *state) {
		for s := range st.subjects {
			for _, v := range st.live(s, deleted) {
				if v.ID == id {
					out = append(out, SubjectSchema{Subject: s, Version: v.Version})
				}
			}
		}
	})
	if out == nil {
		if _, err := r.SchemaByID(id); err != nil {
			return nil, err
		}
		return []SubjectSchema{}, nil
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// Subjects lists the subjects with a live version (or any version, with deleted).
func (r *Registry) Subjects(deleted bool) []string {
	out := []string{}
	r.read(func(st *state) {
		for s := range st.subjects {
			if len(st.live(s, deleted)) > 0 {
				out = append(out, s)
			}
		}
	})
	sort.Strings(out)
	return out
}

// Versions lists a subject's versions.
func (r *Registry) Versions(subject string, deleted bool) ([]int, error) {
	var out []int
	r.read(func(st *state) {
		for _, v := range st.live(subject, deleted) {
			out = append(out, v.Version)
		}
	})
	if len(out) == 0 {
		return nil, errSubjectNotFound(subject)
	}
	return out, nil
}

// Latest is the version number meaning the subject's latest version.
const Latest = -1

// Version returns one version of a subject (Latest for the newest live one).
func (r *Registry) Version(subject string, ver int, deleted bool) (SubjectSchema, error) {
	var out SubjectSchema
	var err error
	r.read(func(st *state) {
		vs := st.live(subject, deleted)
		if len(vs) == 0 {
			err = errSubjectNotFound(subject)
			return
		}
		if ver == Latest {
			v := vs[len(vs)-1]
			out = subjectSchema(subject, v, st.byID[v.ID])
			return
		}
		for _, v := range vs {
			if v.Version == ver {
				out = subjectSchema(subject, v, st.byID[v.ID])
				return
			}
		}
		err = errVersionNotFound(subject, ver)
	})
	return out, err
}

// ReferencedBy lists the ids of schemas referencing a subject's version.
func (r *Registry) ReferencedBy(subject string, ver int) ([]int, error) {
	v, err := r.Version(subject, ver, false)
	if err != nil {
		return nil, err
	}
	out := []int{}
	r.read(func(st *state) { out = append(out, st.referencedBy(subject, v.Version)...) })
	return out, nil
}

// DeleteSubject deletes every version of a subject: softly (they stay readable by
// id and with deleted=true), or permanently once soft-deleted.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	var deleted []int
	err := r.write(ctx, func(st *state) ([]logRecord, error) {
		all := st.subjects[subject]
		if len(all) == 0 {
			return nil, errSubjectNotFound(subject)
		}
		var recs []logRecord
		for _, v := range all {
			if len(st.referencedBy(subject, v.Version)) > 0 {
				return nil, errorf(http.StatusUnprocessableEntity, 42206, "One or more references exist to the schema {subject=%s,version=%d}.", subject, v.Version)
			}
		}
		if permanent {
			for _, v := range all {
				if !v.Deleted {
					return nil, errorf(http.StatusNotFound, 40405, "Subject '%s' was not deleted first before being permanently deleted", subject)
				}
			}
			for _, v := range all {
				deleted = append(deleted, v.Version)
				recs = append(recs, schemaTombstone(subject, v.Version))
			}
			return recs, nil
		}
		live := st.live(subject, false)
		if len(live) == 0 {
			return nil, errorf(http.StatusNotFound, 40404, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
		}
		for _, v := range live {
			deleted = append(deleted, v.Version)
			d := *v
			d.Deleted = true
			recs = append(recs, schemaRecord(subject, &d, st.byID[v.ID]))
		}
		sub := subject
		recs = append(recs, logRecord{
			key:   mustJSON(recordKey{KeyType: keyDeleteSubject, Subject: &sub}),
			value: mustJSON(deleteSubjectValue{Subject: subject, Version: live[len(live)-1].Version}),
		})
		return recs, nil
	})
	return deleted, err
}

// DeleteVersion deletes one version (Latest for the newest live one), softly or
// permanently once soft-deleted; it returns the version deleted.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, ver int, permanent bool) (int, error) {
	var deleted int
	err := r.write(ctx, func(st *state) ([]logRecord, error) {
		all := st.subjects[subject]
		if len(all) == 0 {
			return nil, errSubjectNotFound(subject)
		}
		var target *version
		if ver == Latest {
			if live := st.live(subject, false); len(live) > 0 {
				target = live[len(live)-1]
			} else if permanent {
				target = all[len(all)-1]
			}
		} else {
			for _, v := range all {
				if v.Version == ver {
					target = v
				}
			}
		}
		if target == nil {
			return nil, errVersionNotFound(subject, ver)
		}
		if len(st.referencedBy(subject, target.Version)) > 0 {
			return nil, errorf(http.StatusUnprocessableEntity, 42206, "One or more references exist to the schema {subject=%s,version=%d}.", subject, target.Version)
		}
		deleted = target.Version
		if permanent {
			if !target.Deleted {
				return nil, errorf(http.StatusNotFound, 40407, "Subject '%s' Version %d was not deleted first before being permanently deleted", subject, target.Version)
			}
			return []logRecord{schemaTombstone(subject, target.Version)}, nil
		}
		if target.Deleted {
			return nil, errorf(http.StatusNotFound, 40406, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, target.Version)
		}
		d := *target
		d.Deleted = true
		return []logRecord{schemaRecord(subject, &d, st.byID[target.ID])}, nil
	})
	return deleted, err
}

// Compatibility returns the level of a subject ("" for the global one). With
// fallback a subject without its own level gets the global one; without it, it is
// an error.
func (r *Registry) Compatibility(subject string, fallback bool) (string, error) {
	var l string
	var ok bool
	r.read(func(st *state) {
		l, ok = st.config[subject]
		if !ok && (subject == "" || fallback) {
			l, ok = st.level(subject, r.cfg.DefaultCompatibility), true
		}
	})
	if !ok {
		return "", errorf(http.StatusNotFound, 40408, "Subject '%s' does not have subject-level compatibility configured", subject)
	}
	return l, nil
}

// SetCompatibility sets the level of a subject ("" for the global one).
func (r *Registry) SetCompatibility(ctx context.Context, subject, level string) error {
	if !validLevel(level) {
		return errorf(http.StatusUnprocessableEntity, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
	}
	return r.write(ctx, func(*state) ([]logRecord, error) {
		return []logRecord{{key: settingKey(keyConfig, subject), value: mustJSON(configValue{CompatibilityLevel: level})}}, nil
	})
}

// DeleteCompatibility removes a subject's own level and returns it.
func (r *Registry) DeleteCompatibility(ctx context.Context, subject string) (string, error) {
	var prev string
	err := r.write(ctx, func(st *state) ([]logRecord, error) {
		l, ok := st.config[subject]
		if !ok {
			if subject != "" {
				return nil, errSubjectNotFound(subject)
			}
			l = r.cfg.DefaultCompatibility
		}
		prev = l
		return []logRecord{{key: settingKey(keyConfig, subject)}}, nil
	})
	return prev, err
}

// Mode returns the mode of a subject ("" for the global one).
func (r *Registry) Mode(subject string) string {
	var m string
	r.read(func(st *state) { m = st.modeOf(subject) })
	return m
}

// SetMode sets the mode of a subject ("" for the global one). IMPORT on a subject
// that has versions needs force, as Confluent's.
func (r *Registry) SetMode(ctx context.Context, subject, mode string, force bool) error {
	switch mode {
	case ModeReadWrite, ModeReadOnly, ModeImport:
	default:
		return errorf(http.StatusUnprocessableEntity, 42204, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT.")
	}
	return r.write(ctx, func(st *state) ([]logRecord, error) {
		if mode == ModeImport && !force {
			nonEmpty := len(st.subjects) > 0
			if subject != "" {
				nonEmpty = len(st.subjects[subject]) > 0
			}
			if nonEmpty {
				return nil, errorf(http.StatusUnprocessableEntity, 42205, "Cannot import since found existing subjects")
			}
		}
		return []logRecord{{key: settingKey(keyMode, subject), value: mustJSON(modeValue{Mode: mode})}}, nil
	})
}

// CheckCompatibility tests a schema against a version of subject (Latest for the
// newest live one; with all, against every version the level asks for).
func (r *Registry) CheckCompatibility(subject string, ver int, all bool, q SchemaRequest) ([]string, error) {
	var msgs []string
	var err error
	r.read(func(st *state) {
		p, perr := canonicalize(q.typ(), q.Schema, q.References, st.resolver())
		if perr != nil {
			err = errInvalidSchema(perr)
			return
		}
		existing := st.parseAll(subject)
		level := st.level(subject, r.cfg.DefaultCompatibility)
		if !all && ver != Latest {
			existing = nil
			found := false
			for _, v := range st.live(subject, false) {
				if v.Version == ver {
					c := st.byID[v.ID]
					if pp, e := canonicalize(c.Type, c.Text, c.References, st.resolver()); e == nil {
						existing = []*parsed{pp}
					}
					found = true
				}
			}
			if !found {
				if len(st.live(subject, false)) == 0 {
					err = errSubjectNotFound(subject)
				} else {
					err = errVersionNotFound(subject, ver)
				}
				return
			}
		}
		msgs = incompatibilities(level, p, existing)
	})
	return msgs, err
}

// IsRegistryError reports whether err is a registry *Error and returns it.
func IsRegistryError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
