package schemaregistry

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Schema types, as the REST API spells them. AVRO is the default: Confluent omits
// schemaType for it, in requests, responses and the stored records alike.
const (
	Avro     = "AVRO"
	JSON     = "JSON"
	Protobuf = "PROTOBUF"
)

// Reference names another subject's version that a schema imports (a Protobuf
// import path, an Avro named type, a JSON Schema $ref).
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Content is a schema as stored under its id: the same content registered under
// several subjects shares one id.
type Content struct {
	Type       string // AVRO, JSON or PROTOBUF
	Text       string // canonical text (compact JSON for Avro and JSON Schema)
	References []Reference
}

func (c Content) equal(o Content) bool {
	return c.Type == o.Type && c.Text == o.Text && slices.Equal(c.References, o.References)
}

// The records of the _schemas topic, in Confluent Schema Registry's layout: the key
// is a JSON object naming the record's kind, the value its payload, a null value
// deletes the key for good (the topic is compacted).
const (
	keySchema        = "SCHEMA"
	keyConfig        = "CONFIG"
	keyMode          = "MODE"
	keyDeleteSubject = "DELETE_SUBJECT"
	keyClearSubject  = "CLEAR_SUBJECT"
	keyNoop          = "NOOP"
)

// recordKey is the key of every record; Subject is null for the global config and
// mode, Version is set for SCHEMA records only. Field order is Confluent's.
type recordKey struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject,omitempty"`
	Version *int    `json:"version,omitempty"`
	Magic   int     `json:"magic"`
}

// globalKey is a CONFIG or MODE key with an explicit null subject, as Confluent
// writes the global ones.
type globalKey struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Magic   int     `json:"magic"`
}

type schemaValue struct {
	Subject    string      `json:"subject"`
	Version    int         `json:"version"`
	ID         int         `json:"id"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
	Deleted    bool        `json:"deleted"`
}

type configValue struct {
	CompatibilityLevel string `json:"compatibilityLevel"`
}

type modeValue struct {
	Mode string `json:"mode"`
}

type deleteSubjectValue struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// logRecord is one record to append to the topic.
type logRecord struct{ key, value []byte }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("schemaregistry: marshal %T: %v", v, err)) // plain structs: cannot fail
	}
	return b
}

func schemaRecord(subject string, v *version, c Content) logRecord {
	sub, ver := subject, v.Version
	val := schemaValue{Subject: subject, Version: v.Version, ID: v.ID, References: c.References, Schema: c.Text, Deleted: v.Deleted}
	if c.Type != Avro {
		val.SchemaType = c.Type
	}
	return logRecord{key: mustJSON(recordKey{KeyType: keySchema, Subject: &sub, Version: &ver, Magic: 1}), value: mustJSON(val)}
}

func schemaTombstone(subject string, ver int) logRecord {
	return logRecord{key: mustJSON(recordKey{KeyType: keySchema, Subject: &subject, Version: &ver, Magic: 1})}
}

// settingKey is the key of a CONFIG or MODE record; "" is the global one.
func settingKey(kind, subject string) []byte {
	if subject == "" {
		return mustJSON(globalKey{KeyType: kind})
	}
	return mustJSON(recordKey{KeyType: kind, Subject: &subject})
}

// version is one version of a subject.
type version struct {
	Version int
	ID      int
	Deleted bool
}

// state is what the topic's records add up to. It is changed only by apply, so
// every node that reads the same records holds the same state.
type state struct {
	subjects map[string][]*version // sorted by version
	byID     map[int]Content
	maxID    int
	config   map[string]string // compatibility level by subject, "" global
	mode     map[string]string // mode by subject, "" global
}

func newState() *state {
	return &state{subjects: map[string][]*version{}, byID: map[int]Content{}, config: map[string]string{}, mode: map[string]string{}}
}

// apply changes the state by one record of the topic. Records it cannot read are
// skipped: a registry newer than this one may write kinds this one does not know.
func (s *state) apply(key, value []byte) {
	var k struct {
		KeyType string  `json:"keytype"`
		Subject *string `json:"subject"`
		Version int     `json:"version"`
	}
	if json.Unmarshal(key, &k) != nil {
		return
	}
	subject := ""
	if k.Subject != nil {
		subject = *k.Subject
	}
	switch k.KeyType {
	case keySchema:
		if value == nil {
			s.removeVersion(subject, k.Version)
			return
		}
		var v schemaValue
		if json.Unmarshal(value, &v) != nil {
			return
		}
		typ := v.SchemaType
		if typ == "" {
			typ = Avro
		}
		s.byID[v.ID] = Content{Type: typ, Text: v.Schema, References: v.References}
		s.maxID = max(s.maxID, v.ID)
		s.putVersion(v.Subject, &version{Version: v.Version, ID: v.ID, Deleted: v.Deleted})
	case keyConfig, keyMode:
		m := s.config
		if k.KeyType == keyMode {
			m = s.mode
		}
		if value == nil {
			delete(m, subject)
			return
		}
		var cv struct {
			CompatibilityLevel string `json:"compatibilityLevel"`
			Mode               string `json:"mode"`
		}
		if json.Unmarshal(value, &cv) != nil {
			return
		}
		if k.KeyType == keyMode {
			m[subject] = cv.Mode
		} else {
			m[subject] = cv.CompatibilityLevel
		}
	case keyDeleteSubject:
		var dv deleteSubjectValue
		if value == nil || json.Unmarshal(value, &dv) != nil {
			return
		}
		for _, v := range s.subjects[dv.Subject] {
			if v.Version <= dv.Version {
				v.Deleted = true
			}
		}
	case keyClearSubject:
		var dv deleteSubjectValue
		if value == nil || json.Unmarshal(value, &dv) != nil {
			return
		}
		for _, v := range slices.Clone(s.subjects[dv.Subject]) {
			if v.Deleted && v.Version <= dv.Version {
				s.removeVersion(dv.Subject, v.Version)
			}
		}
	}
}

func (s *state) putVersion(subject string, v *version) {
	vs := s.subjects[subject]
	i := sort.Search(len(vs), func(i int) bool { return vs[i].Version >= v.Version })
	if i < len(vs) && vs[i].Version == v.Version {
		vs[i] = v
		return
	}
	s.subjects[subject] = slices.Insert(vs, i, v)
}

func (s *state) removeVersion(subject string, ver int) {
	vs := s.subjects[subject]
	i := slices.IndexFunc(vs, func(v *version) bool { return v.Version == ver })
	if i < 0 {
		return
	}
	id := vs[i].ID
	vs = slices.Delete(vs, i, i+1)
	if len(vs) == 0 {
		delete(s.subjects, subject)
	} else {
		s.subjects[subject] = vs
	}
	if !s.idInUse(id) {
		delete(s.byID, id)
	}
}

func (s *state) idInUse(id int) bool {
	for _, vs := range s.subjects {
		for _, v := range vs {
			if v.ID == id {
				return true
			}
		}
	}
	return false
}

// live returns the subject's versions, without the soft-deleted ones unless deleted.
func (s *state) live(subject string, deleted bool) []*version {
	var out []*version
	for _, v := range s.subjects[subject] {
		if deleted || !v.Deleted {
			out = append(out, v)
		}
	}
	return out
}

// idFor returns the id already holding this content, if any.
func (s *state) idFor(c Content) (int, bool) {
	ids := make([]int, 0, len(s.byID))
	for id := range s.byID {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		if s.byID[id].equal(c) {
			return id, true
		}
	}
	return 0, false
}

// referencedBy lists the ids of live schemas that reference subject's version.
func (s *state) referencedBy(subject string, ver int) []int {
	var out []int
	for id, c := range s.byID {
		for _, r := range c.References {
			if r.Subject == subject && r.Version == ver && s.idLive(id) {
				out = append(out, id)
				break
			}
		}
	}
	sort.Ints(out)
	return out
}

func (s *state) idLive(id int) bool {
	for _, vs := range s.subjects {
		for _, v := range vs {
			if v.ID == id && !v.Deleted {
				return true
			}
		}
	}
	return false
}
