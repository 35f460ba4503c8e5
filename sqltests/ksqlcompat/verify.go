package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// actualRecord is a sink record decoded for comparison.
type actualRecord struct {
	key     decodedKey
	value   any
	ts      int64
	headers []kgo.RecordHeader
	err     error // undecodable key or value
}

// verifyOutputs compares every topic named in the case's outputs; it returns the
// first differing field kind and a diff, or "" when everything matches.
func (e *caseEnv) verifyOutputs(c *Case, floatMode bool) (string, string) {
	var order []string
	byTopic := map[string][]Record{}
	for _, r := range c.Outputs {
		if _, ok := byTopic[r.Topic]; !ok {
			order = append(order, r.Topic)
		}
		byTopic[r.Topic] = append(byTopic[r.Topic], r)
	}
	for _, topic := range order {
		exp := byTopic[topic]
		recs, err := e.consumeAll(topic)
		if err != nil {
			return "read", err.Error()
		}
		src := e.catalog[topic]
		fallback := int64(0)
		for _, r := range exp {
			if r.Window != nil {
				fallback = r.Window.End - r.Window.Start
			}
		}
		act := make([]actualRecord, len(recs))
		for i, r := range recs {
			a := actualRecord{ts: r.Timestamp.UnixMilli(), headers: r.Headers}
			a.key, a.err = decodeKey(src, r.Key, fallback)
			if a.err == nil {
				a.value, a.err = decodeValue(src, r.Value)
			}
			act[i] = a
		}
		kind := ""
		if len(act) != len(exp) {
			kind = "count"
		} else {
			for i := range exp {
				if k := recordDiff(exp[i], act[i], floatMode, len(c.Inputs) == 0); k != "" {
					kind = k
					break
				}
			}
		}
		if kind != "" {
			return kind, fmt.Sprintf("topic %s: first difference: %s\n%s", topic, kind, diffLines(exp, act))
		}
	}
	return "", ""
}

// recordDiff returns the first field in which act differs from exp, or "".
func recordDiff(exp Record, act actualRecord, floatMode, noInputs bool) string {
	if act.err != nil {
		return "decode"
	}
	if exp.Window != nil {
		w := act.key.window
		if w == nil || w.Start != exp.Window.Start || w.End != exp.Window.End || !strings.EqualFold(w.Type, exp.Window.Type) {
			return "window"
		}
	} else if act.key.window != nil {
		return "window"
	}
	var ek any
	if !isNull(exp.Key) {
		v, err := decodeJSON(exp.Key)
		if err != nil {
			return "key"
		}
		ek = v
	}
	if !valuesMatch(ek, act.key.value, floatMode) {
		return "key"
	}
	var ev any
	if !isNull(exp.Value) {
		v, err := decodeJSON(exp.Value)
		if err != nil {
			return "value"
		}
		ev = v
	}
	if !valuesMatch(ev, act.value, floatMode) {
		return "value"
	}
	if exp.Timestamp != nil && !(noInputs && *exp.Timestamp == 0) && *exp.Timestamp != act.ts {
		return "ts"
	}
	var eh []Header
	if exp.Headers != nil {
		eh = *exp.Headers
	}
	if len(eh) != len(act.headers) {
		return "headers"
	}
	for i, h := range eh {
		a := act.headers[i]
		if h.Key != a.Key {
			return "headers"
		}
		if h.Value == nil {
			if a.Value != nil {
				return "headers"
			}
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(*h.Value); err != nil || !bytes.Equal(b, a.Value) {
			return "headers"
		}
	}
	return ""
}

func diffLines(exp []Record, act []actualRecord) string {
	var b strings.Builder
	n := max(len(exp), len(act))
	for i := 0; i < n; i++ {
		var e, a string
		if i < len(exp) {
			e = formatExpected(exp[i])
		}
		if i < len(act) {
			a = formatActual(act[i])
		}
		if e == a {
			fmt.Fprintf(&b, "  #%d %s\n", i, e)
			continue
		}
		if e != "" {
			fmt.Fprintf(&b, "- #%d %s\n", i, e)
		}
		if a != "" {
			fmt.Fprintf(&b, "+ #%d %s\n", i, a)
		}
	}
	return b.String()
}

func compactJSON(raw json.RawMessage) string {
	if isNull(raw) {
		return "null"
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func formatWindow(w *Window) string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf(" win=%d..%d %s", w.Start, w.End, strings.ToLower(w.Type))
}

func formatExpected(r Record) string {
	ts := "*"
	if r.Timestamp != nil {
		ts = fmt.Sprint(*r.Timestamp)
	}
	var hs []string
	if r.Headers != nil {
		for _, h := range *r.Headers {
			v := "null"
			if h.Value != nil {
				v = *h.Value
			}
			hs = append(hs, h.Key+"="+v)
		}
	}
	return fmt.Sprintf("key=%s%s ts=%s value=%s headers=[%s]", compactJSON(r.Key), formatWindow(r.Window), ts, compactJSON(r.Value), strings.Join(hs, ","))
}

func formatActual(a actualRecord) string {
	if a.err != nil {
		return "undecodable: " + a.err.Error()
	}
	var hs []string
	for _, h := range a.headers {
		v := "null"
		if h.Value != nil {
			v = base64.StdEncoding.EncodeToString(h.Value)
		}
		hs = append(hs, h.Key+"="+v)
	}
	return fmt.Sprintf("key=%s%s ts=%d value=%s headers=[%s]", jsonText(a.key.value), formatWindow(a.key.window), a.ts, jsonText(a.value), strings.Join(hs, ","))
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// checkPost checks the catalog post-conditions: each listed source exists with
// the given type, formats, window and schema.
func checkPost(p *Post, cat map[string]*SourceInfo) (string, string) {
	for _, ps := range p.Sources {
		src := cat[ps.Name]
		if src == nil {
			src = cat[strings.ToUpper(ps.Name)]
		}
		if src == nil {
			return "post", "source " + ps.Name + " does not exist"
		}
		if ps.Type != "" && !strings.EqualFold(ps.Type, src.Kind) {
			return "post", fmt.Sprintf("source %s is a %s, want %s", ps.Name, src.Kind, ps.Type)
		}
		if kf := parseFormatInfo(ps.KeyFormat); kf != nil {
			if kf.Format != "" && !strings.EqualFold(kf.Format, src.KeyFormat) {
				return "post", fmt.Sprintf("source %s key format %s, want %s", ps.Name, src.KeyFormat, kf.Format)
			}
			if !strings.EqualFold(kf.WindowType, src.WindowType) {
				return "post", fmt.Sprintf("source %s window type %q, want %q", ps.Name, src.WindowType, kf.WindowType)
			}
			if kf.WindowSize != nil && *kf.WindowSize != src.WindowSizeMs {
				return "post", fmt.Sprintf("source %s window size %d, want %d", ps.Name, src.WindowSizeMs, *kf.WindowSize)
			}
		}
		if vf := parseFormatInfo(ps.ValueFormat); vf != nil && vf.Format != "" && !strings.EqualFold(vf.Format, src.ValueFormat) {
			return "post", fmt.Sprintf("source %s value format %s, want %s", ps.Name, src.ValueFormat, vf.Format)
		}
		if ps.Schema != "" {
			want, got := canonicalSchema(parseSchema(ps.Schema)), canonicalSchema(src.Columns)
			if want != got {
				return "post", fmt.Sprintf("source %s schema:\n  want %s\n  got  %s", ps.Name, want, got)
			}
		}
	}
	return "", ""
}

var (
	typeAliases = strings.NewReplacer("VARCHAR", "STRING", "`", "")
	intWord     = regexp.MustCompile(`\bINT\b`)
	spaces      = regexp.MustCompile(`\s+`)
	// punctSpace is blank space around type punctuation: ksqlDB parses schemas, so
	// DECIMAL(6,4) equals DECIMAL(6, 4) and STRUCT< > equals STRUCT<>.
	punctSpace = regexp.MustCompile(`\s*([(),<>])\s*`)
)

func canonicalSchema(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		t := strings.ToUpper(typeAliases.Replace(c.Type))
		t = intWord.ReplaceAllString(t, "INTEGER")
		t = spaces.ReplaceAllString(t, " ")
		t = punctSpace.ReplaceAllString(t, "$1")
		parts[i] = c.Name + " " + t + " " + c.Role
	}
	return strings.Join(parts, ", ")
}
