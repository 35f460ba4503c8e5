package schemaregistry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/twmb/avro"
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
	avro    *avro.Schema // set for Avro
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
	if typ == Avro {
		s, err := parseAvro(c, resolve, 0)
		if err != nil {
			return nil, fmt.Errorf("Invalid schema %s: %v", text, err)
		}
		p.avro = s
	}
	return p, nil
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
// Compatibility is checked for Avro; JSON Schema and Protobuf are accepted.
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
		if next.avro == nil || old.avro == nil {
			continue
		}
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
	}
	return msgs
}
