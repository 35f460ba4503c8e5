package schemaregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluice-db/sluice/kafkaio"
)

const (
	userV1 = `{"type":"record","name":"User","fields":[{"name":"name","type":"string"}]}`
	// userV2 adds a field with a default: BACKWARD compatible.
	userV2 = `{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": ["null", "int"], "default": null}]}`
	// userBad adds a field without a default: not BACKWARD compatible.
	userBad = `{"type":"record","name":"User","fields":[{"name":"name","type":"string"},{"name":"email","type":"string"}]}`
)

func startCluster(t *testing.T) *kafkaio.Cluster {
	t.Helper()
	emb, err := kafkaio.StartEmbedded(t.TempDir(), "127.0.0.1:0", kafkaio.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	c, err := kafkaio.Connect([]string{emb.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startRegistry opens node's registry on the cluster and serves it; the returned
// client is franz-go's, an independent implementation of the REST API's client side.
func startRegistry(t *testing.T, c *kafkaio.Cluster, node string) (*Registry, *sr.Client, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg, err := Open(ctx, Config{Cluster: c, WriterID: "registry-" + node})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	var closed bool
	stop := func() {
		if !closed {
			closed = true
			srv.Close()
			reg.Close()
		}
	}
	t.Cleanup(stop)
	return reg, cl, stop
}

func srCode(err error) int {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return 0
}

func TestRegisterLookupAndIDs(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()

	id1, err := cl.RegisterSchema(ctx, "users-value", sr.Schema{Schema: userV1}, -1, -1)
	if err != nil || id1 != 1 {
		t.Fatalf("first register: id %d, %v", id1, err)
	}
	// The same schema again, even spelt with other whitespace, keeps its id and version.
	again, err := cl.RegisterSchema(ctx, "users-value", sr.Schema{Schema: strings.ReplaceAll(userV1, ",", ", ")}, -1, -1)
	if err != nil || again != id1 {
		t.Fatalf("re-register: id %d, %v", again, err)
	}
	// The same schema under another subject shares the id.
	other, err := cl.RegisterSchema(ctx, "other-value", sr.Schema{Schema: userV1}, -1, -1)
	if err != nil || other != id1 {
		t.Fatalf("other subject: id %d, %v", other, err)
	}
	id2, err := cl.RegisterSchema(ctx, "users-value", sr.Schema{Schema: userV2}, -1, -1)
	if err != nil || id2 != 2 {
		t.Fatalf("v2: id %d, %v", id2, err)
	}

	ss, err := cl.LookupSchema(ctx, "users-value", sr.Schema{Schema: userV1})
	if err != nil || ss.ID != 1 || ss.Version != 1 || ss.Subject != "users-value" {
		t.Fatalf("lookup: %+v, %v", ss, err)
	}
	if _, err := cl.LookupSchema(ctx, "users-value", sr.Schema{Schema: userBad}); srCode(err) != 40403 {
		t.Fatalf("lookup of an unknown schema: %v", err)
	}
	if _, err := cl.LookupSchema(ctx, "nobody", sr.Schema{Schema: userV1}); srCode(err) != 40401 {
		t.Fatalf("lookup in an unknown subject: %v", err)
	}
	s, err := cl.SchemaByID(ctx, 2)
	if err != nil || !strings.Contains(s.Schema, `"age"`) || s.Type != sr.TypeAvro {
		t.Fatalf("by id: %+v, %v", s, err)
	}
	if _, err := cl.SchemaByID(ctx, 99); srCode(err) != 40403 {
		t.Fatalf("unknown id: %v", err)
	}
	subs, err := cl.Subjects(ctx)
	if err != nil || strings.Join(subs, ",") != "other-value,users-value" {
		t.Fatalf("subjects: %v, %v", subs, err)
	}
	vs, err := cl.SubjectVersions(ctx, "users-value")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions: %v, %v", vs, err)
	}
	latest, err := cl.SchemaByVersion(ctx, "users-value", -1)
	if err != nil || latest.Version != 2 || latest.ID != 2 {
		t.Fatalf("latest: %+v, %v", latest, err)
	}
	if _, err := cl.SchemaByVersion(ctx, "users-value", 7); srCode(err) != 40402 {
		t.Fatalf("unknown version: %v", err)
	}
	usages, err := cl.SchemaUsagesByID(ctx, 1)
	if err != nil || len(usages) != 2 {
		t.Fatalf("usages of id 1: %+v, %v", usages, err)
	}
	types, err := cl.SupportedTypes(ctx)
	if err != nil || len(types) != 3 {
		t.Fatalf("types: %v, %v", types, err)
	}
}

func TestCompatibility(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()
	if _, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: userV1}, -1, -1); err != nil {
		t.Fatal(err)
	}
	_, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: userBad}, -1, -1)
	if srCode(err) != 409 || !strings.Contains(err.Error(), "incompatible with an earlier schema") {
		t.Fatalf("incompatible under BACKWARD: %v", err)
	}
	res, err := cl.CheckCompatibility(ctx, "s", -1, sr.Schema{Schema: userBad})
	if err != nil || res.Is {
		t.Fatalf("check: %+v, %v", res, err)
	}
	res, err = cl.CheckCompatibility(ctx, "s", -1, sr.Schema{Schema: userV2})
	if err != nil || !res.Is {
		t.Fatalf("check of a compatible schema: %+v, %v", res, err)
	}
	// FORWARD: the old schema must read the new one's data; dropping the only
	// field the old one needs breaks that.
	for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatForward}, "s") {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if got := cl.Compatibility(ctx, "s"); got[0].Err != nil || got[0].Level != sr.CompatForward {
		t.Fatalf("subject level: %+v", got)
	}
	empty := `{"type":"record","name":"User","fields":[]}`
	if _, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: empty}, -1, -1); srCode(err) != 409 {
		t.Fatalf("incompatible under FORWARD: %v", err)
	}
	for _, r := range cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatNone}) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	// The subject's own level still wins over the global one, until reset.
	if _, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: empty}, -1, -1); srCode(err) != 409 {
		t.Fatalf("subject level over global: %v", err)
	}
	for _, r := range cl.ResetCompatibility(ctx, "s") {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if _, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: empty}, -1, -1); err != nil {
		t.Fatalf("under NONE: %v", err)
	}
	if r := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatibilityLevel(99)}); r[0].Err == nil {
		t.Fatal("a bad level was accepted")
	}
	// Invalid schemas are 42201.
	if _, err := cl.RegisterSchema(ctx, "s", sr.Schema{Schema: `{"type":"recrd"}`}, -1, -1); srCode(err) != 42201 {
		t.Fatalf("invalid schema: %v", err)
	}
}

func TestDeleteSoftThenPermanent(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()
	for _, s := range []string{userV1, userV2} {
		if _, err := cl.RegisterSchema(ctx, "d", sr.Schema{Schema: s}, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.DeleteSubject(ctx, "d", sr.HardDelete); srCode(err) != 40405 {
		t.Fatalf("hard delete before soft: %v", err)
	}
	if err := cl.DeleteSchema(ctx, "d", 2, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	latest, err := cl.SchemaByVersion(ctx, "d", -1)
	if err != nil || latest.Version != 1 {
		t.Fatalf("latest after deleting v2: %+v %v", latest, err)
	}
	vs, err := cl.DeleteSubject(ctx, "d", sr.SoftDelete)
	if err != nil || len(vs) != 1 || vs[0] != 1 {
		t.Fatalf("soft delete: %v %v", vs, err)
	}
	if _, err := cl.SubjectVersions(ctx, "d"); srCode(err) != 40401 {
		t.Fatalf("versions after soft delete: %v", err)
	}
	if _, err := cl.DeleteSubject(ctx, "d", sr.SoftDelete); srCode(err) != 40404 {
		t.Fatalf("second soft delete: %v", err)
	}
	// Soft-deleted schemas stay readable by id.
	if _, err := cl.SchemaByID(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if vs, err := cl.DeleteSubject(ctx, "d", sr.HardDelete); err != nil || len(vs) != 2 {
		t.Fatalf("hard delete: %v %v", vs, err)
	}
	if _, err := cl.SchemaByID(ctx, 2); srCode(err) != 40403 {
		t.Fatalf("by id after hard delete: %v", err)
	}
	// Ids are never reused.
	id, err := cl.RegisterSchema(ctx, "d", sr.Schema{Schema: `"string"`}, -1, -1)
	if err != nil || id != 3 {
		t.Fatalf("after hard delete: id %d %v", id, err)
	}
}

func TestReferences(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()
	addr := `{"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]}`
	if _, err := cl.RegisterSchema(ctx, "address", sr.Schema{Schema: addr}, -1, -1); err != nil {
		t.Fatal(err)
	}
	person := `{"type":"record","name":"Person","namespace":"com.example","fields":[{"name":"home","type":"Address"}]}`
	refs := []sr.SchemaReference{{Name: "com.example.Address", Subject: "address", Version: 1}}
	if _, err := cl.RegisterSchema(ctx, "person", sr.Schema{Schema: person}, -1, -1); srCode(err) != 42201 {
		t.Fatalf("unresolved reference: %v", err)
	}
	id, err := cl.RegisterSchema(ctx, "person", sr.Schema{Schema: person, References: refs}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cl.SchemaByID(ctx, id)
	if err != nil || len(s.References) != 1 || s.References[0].Subject != "address" {
		t.Fatalf("references by id: %+v %v", s, err)
	}
	by, err := cl.SchemaReferences(ctx, "address", 1)
	if err != nil || len(by) != 1 || by[0].ID != id {
		t.Fatalf("referenced by: %+v %v", by, err)
	}
	if _, err := cl.DeleteSubject(ctx, "address", sr.SoftDelete); srCode(err) != 42206 {
		t.Fatalf("delete of a referenced subject: %v", err)
	}
}

// TestRestartKeepsIDs: a new registry on the same topic, as after a restart or on
// a second node, rebuilds the same state, and the records are in Confluent's layout.
func TestRestartKeepsIDs(t *testing.T) {
	c := startCluster(t)
	_, cl, stop := startRegistry(t, c, "1")
	ctx := context.Background()
	id1, _ := cl.RegisterSchema(ctx, "a-value", sr.Schema{Schema: userV1}, -1, -1)
	id2, _ := cl.RegisterSchema(ctx, "b-value", sr.Schema{Schema: `{"type":"string"}`}, -1, -1)
	_ = cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull})
	if id1 != 1 || id2 != 2 {
		t.Fatalf("ids %d %d", id1, id2)
	}
	// A second node on the same topic sees the first's writes.
	_, cl2, _ := startRegistry(t, c, "2")
	if s, err := cl2.SchemaByVersion(ctx, "b-value", 1); err != nil || s.ID != 2 {
		t.Fatalf("second node: %+v %v", s, err)
	}
	stop()

	_, cl3, _ := startRegistry(t, c, "1")
	s, err := cl3.SchemaByVersion(ctx, "a-value", -1)
	if err != nil || s.ID != 1 {
		t.Fatalf("after restart: %+v %v", s, err)
	}
	if got := cl3.Compatibility(ctx); got[0].Level != sr.CompatFull {
		t.Fatalf("global level after restart: %+v", got)
	}
	id3, err := cl3.RegisterSchema(ctx, "c-value", sr.Schema{Schema: `"long"`}, -1, -1)
	if err != nil || id3 != 3 {
		t.Fatalf("next id after restart: %d %v", id3, err)
	}

	recs := readTopic(t, c, DefaultTopic)
	var keys []string
	for _, r := range recs {
		keys = append(keys, string(r.Key))
	}
	want := []string{
		`{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1}`,
		`{"keytype":"SCHEMA","subject":"b-value","version":1,"magic":1}`,
		`{"keytype":"CONFIG","subject":null,"magic":0}`,
		`{"keytype":"SCHEMA","subject":"c-value","version":1,"magic":1}`,
	}
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Fatalf("keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	var v map[string]any
	if err := json.Unmarshal(recs[0].Value, &v); err != nil {
		t.Fatal(err)
	}
	if v["subject"] != "a-value" || v["id"] != 1.0 || v["version"] != 1.0 || v["deleted"] != false || v["schema"] != userV1 {
		t.Fatalf("schema value: %s", recs[0].Value)
	}
	if _, has := v["schemaType"]; has {
		t.Fatalf("AVRO records carry no schemaType: %s", recs[0].Value)
	}
}

func TestImportModeExplicitIDs(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()
	if _, err := cl.RegisterSchema(ctx, "x", sr.Schema{Schema: userV1}, 7, -1); srCode(err) != 42205 {
		t.Fatalf("explicit id outside IMPORT: %v", err)
	}
	if r := cl.SetMode(ctx, sr.ModeImport); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	if id, err := cl.RegisterSchema(ctx, "x", sr.Schema{Schema: userV1}, 7, -1); err != nil || id != 7 {
		t.Fatalf("explicit id: %d %v", id, err)
	}
	if r := cl.SetMode(ctx, sr.ModeReadWrite); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	if id, err := cl.RegisterSchema(ctx, "y", sr.Schema{Schema: `"int"`}, -1, -1); err != nil || id != 8 {
		t.Fatalf("after import: %d %v", id, err)
	}
}

func TestHTTPErrorsAndContentType(t *testing.T) {
	c := startCluster(t)
	reg, _, _ := startRegistry(t, c, "1")
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/subjects/nope/versions/abc")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnprocessableEntity || e.Code != 42202 || resp.Header.Get("Content-Type") != ContentType {
		t.Fatalf("status %d, body %+v, type %q", resp.StatusCode, e, resp.Header.Get("Content-Type"))
	}
}

func readTopic(t *testing.T, c *kafkaio.Cluster, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := c.EndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	// Transaction markers take offsets too: read them, and keep the data.
	cl, err := c.NewClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for next := int64(0); next < ends[0]; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read up to offset %d of %d", next, ends[0])
		}
		fs.EachRecord(func(r *kgo.Record) {
			next = r.Offset + 1
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out
}

// TestProtobufAndJSONSchemaCompatibility registers Protobuf and JSON Schema
// versions through the REST API: an incompatible one is refused with 409 and the
// difference's Confluent type, a compatible one gets the next version, and the
// compatibility endpoint agrees; a Protobuf reference is compiled with its import.
func TestProtobufAndJSONSchemaCompatibility(t *testing.T) {
	c := startCluster(t)
	_, cl, _ := startRegistry(t, c, "1")
	ctx := context.Background()
	for i, tc := range []struct {
		typ                   sr.SchemaType
		v1, compatible, wrong string
		errorType             string
	}{{
		typ:        sr.TypeProtobuf,
		v1:         `syntax = "proto3"; message M { string a = 1; }`,
		compatible: `syntax = "proto3"; message M { string a = 1; int64 b = 2; }`,
		wrong:      `syntax = "proto3"; message M { string a = 1; int64 b = 2; double c = 2; }`,
		errorType:  "",
	}, {
		typ:        sr.TypeProtobuf,
		v1:         `syntax = "proto3"; message P { string a = 1; }`,
		compatible: `syntax = "proto3"; message P { bytes a = 1; }`,
		wrong:      `syntax = "proto3"; message P { double a = 1; }`,
		errorType:  "FIELD_SCALAR_KIND_CHANGED",
	}, {
		typ:        sr.TypeJSON,
		v1:         `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
		compatible: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false}`,
		wrong:      `{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"additionalProperties":false}`,
		errorType:  "TYPE_CHANGED",
	}} {
		subject := fmt.Sprintf("%s-%d", tc.typ, i)
		if _, err := cl.RegisterSchema(ctx, subject, sr.Schema{Schema: tc.v1, Type: tc.typ}, -1, -1); err != nil {
			t.Fatal(err)
		}
		_, err := cl.RegisterSchema(ctx, subject, sr.Schema{Schema: tc.wrong, Type: tc.typ}, -1, -1)
		if tc.errorType == "" {
			// Two fields with one number do not compile.
			if srCode(err) != 42201 {
				t.Fatalf("%s: invalid schema: %v", subject, err)
			}
			continue
		}
		if srCode(err) != 409 || !strings.Contains(err.Error(), "errorType:'"+tc.errorType+"'") {
			t.Fatalf("%s: incompatible schema: %v", subject, err)
		}
		res, err := cl.CheckCompatibility(ctx, subject, -1, sr.Schema{Schema: tc.wrong, Type: tc.typ})
		if err != nil || res.Is {
			t.Fatalf("%s: check of the incompatible schema: %+v, %v", subject, res, err)
		}
		ss, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: tc.compatible, Type: tc.typ})
		if err != nil || ss.Version != 2 {
			t.Fatalf("%s: compatible schema: %+v, %v", subject, ss, err)
		}
	}

	// A reference: the importing schema compiles against it, and its own
	// evolution is checked.
	if _, err := cl.RegisterSchema(ctx, "dep", sr.Schema{Schema: `syntax = "proto3"; package dep; message D { string x = 1; }`, Type: sr.TypeProtobuf}, -1, -1); err != nil {
		t.Fatal(err)
	}
	ref := []sr.SchemaReference{{Name: "dep.proto", Subject: "dep", Version: 1}}
	user := func(typ string) sr.Schema {
		return sr.Schema{Type: sr.TypeProtobuf, References: ref, Schema: `syntax = "proto3"; import "dep.proto"; message U { ` + typ + ` d = 1; }`}
	}
	if _, err := cl.RegisterSchema(ctx, "user", user("dep.D"), -1, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.RegisterSchema(ctx, "user", user("string"), -1, -1); srCode(err) != 409 || !strings.Contains(err.Error(), "FIELD_KIND_CHANGED") {
		t.Fatalf("a message field made a string: %v", err)
	}
}

// TestTwoNodesAllocateDistinctIDs: two registries on one topic (two nodes)
// register schemas at the same time. Each write is decided against the topic's
// end and lands only there, so no id names two schemas, a schema registered on
// both nodes gets one id, and both nodes end with the same state.
func TestTwoNodesAllocateDistinctIDs(t *testing.T) {
	c := startCluster(t)
	regs := make([]*Registry, 2)
	clients := make([]*sr.Client, 2)
	for i := range regs {
		regs[i], clients[i], _ = startRegistry(t, c, fmt.Sprint(i+1))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const perNode = 15
	schemaOf := func(node, i int) string {
		if i%5 == 0 { // registered by both nodes, under different subjects
			return fmt.Sprintf(`{"type":"record","name":"Shared%d","fields":[{"name":"x","type":"int"}]}`, i)
		}
		return fmt.Sprintf(`{"type":"record","name":"N%dS%d","fields":[{"name":"x","type":"int"}]}`, node, i)
	}
	ids := make([][perNode]int, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 2*perNode)
	for n := range regs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perNode {
				id, err := clients[n].RegisterSchema(ctx, fmt.Sprintf("n%d-s%d-value", n, i), sr.Schema{Schema: schemaOf(n, i)}, -1, -1)
				if err != nil {
					errs <- err
					return
				}
				ids[n][i] = id
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	byID := map[int]string{}
	for n := range regs {
		for i, id := range ids[n] {
			s := schemaOf(n, i)
			if prev, ok := byID[id]; ok && prev != s {
				t.Fatalf("id %d names two schemas:\n%s\n%s", id, prev, s)
			}
			byID[id] = s
		}
	}
	// 2*perNode registrations, perNode/5 of them shared: that many distinct schemas.
	if want := 2*perNode - perNode/5; len(byID) != want {
		t.Fatalf("%d distinct ids for %d distinct schemas", len(byID), want)
	}
	for n, reg := range regs {
		if err := reg.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		for id, s := range byID {
			got, err := reg.SchemaByID(id)
			if err != nil || got.Text != s {
				t.Fatalf("node %d: schema %d is %+v, %v; want %s", n+1, id, got, err, s)
			}
		}
	}
}
