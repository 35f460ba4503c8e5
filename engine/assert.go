package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// ASSERT TOPIC and ASSERT SCHEMA wait, up to their timeout, for a topic or a
// schema to exist (or, with NOT EXISTS, not to), checking every assertPoll, so a
// script can wait for what another system creates before it uses it.

// Properties giving the timeout of an ASSERT without a TIMEOUT clause, as in
// ksqlDB (1 s by default).
const (
	propAssertTopicTimeout  = "ksql.assert.topic.default.timeout.ms"
	propAssertSchemaTimeout = "ksql.assert.schema.default.timeout.ms"
	defaultAssertTimeout    = time.Second
	assertPoll              = 100 * time.Millisecond
)

// errAssertion is a failed assertion's reason; the last one is reported when the
// timeout runs out.
type errAssertion struct{ msg string }

func (e errAssertion) Error() string { return e.msg }

// assertTimeout is the statement's timeout, or the session's default for it.
func (s *Session) assertTimeout(t time.Duration, prop string) (time.Duration, error) {
	if t > 0 {
		return t, nil
	}
	v, ok := s.props[prop]
	if !ok {
		return defaultAssertTimeout, nil
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms < 0 {
		return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (a number of milliseconds)", prop, v)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// retryAssertion runs check until it reports nothing wrong or the timeout runs
// out; errors other than an errAssertion end it at once.
func retryAssertion(ctx context.Context, timeout time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check(ctx)
		var failed errAssertion
		if !errors.As(err, &failed) {
			return err
		}
		if time.Now().Add(assertPoll).After(deadline) {
			return sqlerr.New(sqlerr.AssertFailure, failed.msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(assertPoll):
		}
	}
}

func (s *Session) assertTopic(ctx context.Context, st *parser.AssertTopic, w ResultWriter) error {
	timeout, err := s.assertTimeout(st.Timeout, propAssertTopicTimeout)
	if err != nil {
		return err
	}
	err = retryAssertion(ctx, timeout, func(ctx context.Context) error {
		info, err := s.engine.cluster.DescribeTopic(ctx, st.Topic)
		exists := err == nil
		if err != nil && !errors.Is(err, kafkaio.ErrTopicNotFound) {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "Cannot check topic existence")
		}
		switch {
		case st.NotExists && exists:
			return errAssertion{"Topic " + st.Topic + " exists"}
		case st.NotExists:
			return nil // properties are not checked for NOT EXISTS
		case !exists:
			return errAssertion{"Topic " + st.Topic + " does not exist"}
		}
		var wrong []string
		for _, p := range st.Props {
			var actual int
			switch strings.ToUpper(p.Key) {
			case "PARTITIONS":
				actual = info.Partitions
			case "REPLICAS":
				actual = info.Replicas
			default:
				wrong = append(wrong, "Cannot assert unknown topic property: "+p.Key)
				continue
			}
			if n, ok := p.Value.(int64); !ok || n != int64(actual) {
				wrong = append(wrong, fmt.Sprintf("Mismatched configuration for topic %s: For config %s, expected %v got %d",
					st.Topic, strings.ToLower(p.Key), p.Value, actual))
			}
		}
		if len(wrong) > 0 {
			return errAssertion{strings.Join(wrong, "\n")}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := w.Columns([]types.Column{{Name: "TOPIC_NAME", Type: types.StringType}, {Name: "EXISTS", Type: types.BooleanType}}); err != nil {
		return err
	}
	if err := w.Row([]any{st.Topic, !st.NotExists}); err != nil {
		return err
	}
	return w.Complete("ASSERT TOPIC")
}

func (s *Session) assertSchema(ctx context.Context, st *parser.AssertSchema, w ResultWriter) error {
	reg := s.engine.registry
	if reg == nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "ASSERT SCHEMA needs a Schema Registry, and this server has none")
	}
	timeout, err := s.assertTimeout(st.Timeout, propAssertSchemaTimeout)
	if err != nil {
		return err
	}
	what := "Schema with"
	if st.Subject != "" {
		what += " subject name " + st.Subject
	}
	if st.ID != 0 {
		what += " id " + strconv.Itoa(st.ID)
	}
	err = retryAssertion(ctx, timeout, func(ctx context.Context) error {
		exists, err := schemaExists(ctx, reg.cl, st.Subject, st.ID)
		switch {
		case err != nil:
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "Cannot check schema existence")
		case st.NotExists && exists:
			return errAssertion{what + " exists"}
		case !st.NotExists && !exists:
			return errAssertion{what + " does not exist"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var subject, id any
	if st.Subject != "" {
		subject = st.Subject
	}
	if st.ID != 0 {
		id = int32(st.ID)
	}
	if err := w.Columns([]types.Column{{Name: "SUBJECT", Type: types.StringType}, {Name: "ID", Type: types.IntType}, {Name: "EXISTS", Type: types.BooleanType}}); err != nil {
		return err
	}
	if err := w.Row([]any{subject, id, !st.NotExists}); err != nil {
		return err
	}
	return w.Complete("ASSERT SCHEMA")
}

// schemaExists asks the registry for the subject's latest schema, the id's
// schema, or (given both) whether the id is one of the subject's versions.
func schemaExists(ctx context.Context, cl *sr.Client, subject string, id int) (bool, error) {
	var err error
	switch {
	case subject != "" && id != 0:
		var subjects []sr.SubjectSchema
		if subjects, err = cl.SchemaUsagesByID(ctx, id); err == nil {
			for _, ss := range subjects {
				if ss.Subject == subject {
					return true, nil
				}
			}
			return false, nil
		}
	case id != 0:
		_, err = cl.SchemaByID(ctx, id)
	default:
		_, err = cl.SchemaByVersion(ctx, subject, -1)
	}
	var re *sr.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
		return false, nil // 40401 subject not found, 40403 schema not found
	}
	return err == nil, err
}
