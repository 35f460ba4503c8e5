package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/twmb/avro"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/internal/protoschema"
)

// Compatibility levels.
const (
	CompatNone               = "NONE"
	CompatBackward           = "BACKWARD"
	CompatBackwardTransitive = "BACKWARD_TRANSITIVE"
	CompatForward            = "FORWARD"
	CompatForwardTransitive  = "FORWARD_TRANSITIVE"
	CompatFull               = "FULL"
	CompatFullTransitive     = "FULL_TRANSITIVE"
)

func validLevel(l string) bool {
	switch l {
	case CompatNone, CompatBackward, CompatBackwardTransitive, CompatForward, CompatForwardTransitive, CompatFull, CompatFullTransitive:
		return true
	}
	return false
}

// Modes.
const (
	ModeReadWrite = "READWRITE"
	ModeReadOnly  = "READONLY"
	ModeImport    = "IMPORT"
)

// resolver returns the content of a referenced subject version.
type resolver func(Reference) (Content, error)

// parsed is a validated schema ready for compatibility checks.
type parsed struct {
	content Content
	avro    *avro.Schema                // set for Avro
	proto   protoreflect.FileDescriptor // set for Protobuf
	json    *jsonDoc                    // set for JSON Schema
}

// canonicalize validates text as a schema of typ and returns its stored form.
func canonicalize(typ, text string, refs []Reference, resolve resolver) (*parsed, error) {
	c := Content{Type: typ, References: refs}
	switch typ {
	case Avro, JSON:
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(text)); err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		c.Text = buf.String()
	case Protobuf:
		c.Text = strings.TrimSpace(text)
		if c.Text == "" {
			return nil, fmt.Errorf("Invalid schema: empty Protobuf schema")
		}
	default:
		return nil, fmt.Errorf("Invalid schema type %s", typ)
	}
	p := &parsed{content: c}
	switch typ {
	case Avro:
		s, err := parseAvro(c, resolve, 0)
		if err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		p.avro = s
	case Protobuf:
		imports := map[string]string{}
		if err := protoImports(imports, refs, resolve, 0); err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		fd, err := protoschema.Compile(c.Text, imports)
		if err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		p.proto = fd
	case JSON:
		doc, err := parseJSONSchema(c.Text)
		if err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		p.json = doc
	}
	return p, nil
}

// protoImports collects the texts of a Protobuf schema's references (and theirs)
// by the names the schema imports them as.
func protoImports(dst map[string]string, refs []Reference, resolve resolver, depth int) error {
	if depth > 32 {
		return fmt.Errorf("schema references nest too deep")
	}
	for _, r := range refs {
		rc, err := resolve(r)
		if err != nil {
			return err
		}
		if err := protoImports(dst, rc.References, resolve, depth+1); err != nil {
			return err
		}
		dst[r.Name] = rc.Text
	}
	return nil
}

// parseAvro parses an Avro schema after the schemas it references, so their named
// types are known to it.
func parseAvro(c Content, resolve resolver, depth int) (*avro.Schema, error) {
	var cache avro.SchemaCache
	if err := parseAvroRefs(&cache, c.References, resolve, depth); err != nil {
		return nil, err
	}
	return cache.Parse(c.Text)
}

func parseAvroRefs(cache *avro.SchemaCache, refs []Reference, resolve resolver, depth int) error {
	if depth > 32 {
		return fmt.Errorf("schema references nest too deep")
	}
	for _, r := range refs {
		rc, err := resolve(r)
		if err != nil {
			return err
		}
		if err := parseAvroRefs(cache, rc.References, resolve, depth+1); err != nil {
			return err
		}
		if _, err := cache.Parse(rc.Text); err != nil {
			return fmt.Errorf("reference %s: %v", r.Name, err)
		}
	}
	return nil
}

// incompatibilities checks a new schema against the existing versions (oldest
// first) under level, and returns why it is incompatible (nil when it is not).
// Avro is checked with Avro's schema resolution rules; Protobuf and JSON Schema
// with Confluent's lists of compatible changes (protobufDiff, jsonSchemaDiff),
// where FORWARD is BACKWARD with the two schemas swapped.
func incompatibilities(level string, next *parsed, existing []*parsed) []string {
	if level == CompatNone || len(existing) == 0 {
		return nil
	}
	against := existing
	if !strings.HasSuffix(level, "_TRANSITIVE") {
		against = existing[len(existing)-1:]
	}
	backward := strings.HasPrefix(level, CompatBackward) || strings.HasPrefix(level, CompatFull)
	forward := strings.HasPrefix(level, CompatForward) || strings.HasPrefix(level, CompatFull)
	var msgs []string
	for _, old := range against {
		if old.content.Type != next.content.Type {
			msgs = append(msgs, fmt.Sprintf("Incompatible because of different schema type: %s and %s", old.content.Type, next.content.Type))
			continue
		}
		switch {
		case next.avro != nil && old.avro != nil:
			if backward {
				if err := avro.CheckCompatibility(old.avro, next.avro); err != nil {
					msgs = append(msgs, fmt.Sprintf("{errorType:'READER_INCOMPATIBLE', description:'The new schema cannot read data written by an earlier schema: %v', additionalInfo:'%s'}", err, level))
				}
			}
			if forward {
				if err := avro.CheckCompatibility(next.avro, old.avro); err != nil {
					msgs = append(msgs, fmt.Sprintf("{errorType:'WRITER_INCOMPATIBLE', description:'An earlier schema cannot read data written by the new schema: %v', additionalInfo:'%s'}", err, level))
				}
			}
		case next.proto != nil && old.proto != nil:
			if backward {
				msgs = append(msgs, differenceMessages(protobufDiff(old.proto, next.proto), protobufCompatible)...)
			}
			if forward {
				msgs = append(msgs, differenceMessages(protobufDiff(next.proto, old.proto), protobufCompatible)...)
			}
		case next.json != nil && old.json != nil:
			if backward {
				msgs = append(msgs, differenceMessages(jsonSchemaDiff(old.json, next.json), jsonSchemaCompatible)...)
			}
			if forward {
				msgs = append(msgs, differenceMessages(jsonSchemaDiff(next.json, old.json), jsonSchemaCompatible)...)
			}
		}
	}
	return msgs
}

// difference is one change between an original schema and its update: its
// Confluent type name (FIELD_KIND_CHANGED, PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL,
// ...) and the path of the changed element ("#/Message/2", "#/properties/a").
type difference struct {
	kind, path string
}

// differenceMessages renders the incompatible differences as Confluent reports
// them: {errorType:'TYPE', description:'... at path '#/...' ...'}.
func differenceMessages(diffs []difference, compatible func(string) bool) []string {
	var out []string
	seen := map[difference]bool{}
	for _, d := range diffs {
		if compatible(d.kind) || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, fmt.Sprintf("{errorType:'%s', description:'%s'}", d.kind, describeDifference(d)))
	}
	return out
}
