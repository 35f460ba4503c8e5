package schemaregistry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ContentType is the media type of the registry's JSON answers.
const ContentType = "application/vnd.schemaregistry.v1+json"

// Handler serves the REST API.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(*http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) { serve(w, req, fn) })
	}
	h("GET /{$}", func(*http.Request) (any, error) { return struct{}{}, nil })
	h("GET /schemas/types", func(*http.Request) (any, error) { return []string{JSON, Protobuf, Avro}, nil })
	h("GET /schemas", r.httpAllSchemas)
	h("GET /schemas/ids/{id}", func(q *http.Request) (any, error) {
		c, err := r.schemaByIDParam(q)
		if err != nil {
			return nil, err
		}
		out := struct {
			SchemaType string      `json:"schemaType,omitempty"`
			Schema     string      `json:"schema"`
			References []Reference `json:"references,omitempty"`
		}{Schema: c.Text, References: c.References}
		if c.Type != Avro {
			out.SchemaType = c.Type
		}
		return out, nil
	})
	h("GET /schemas/ids/{id}/schema", func(q *http.Request) (any, error) {
		c, err := r.schemaByIDParam(q)
		if err != nil {
			return nil, err
		}
		return rawText(c.Text), nil
	})
	h("GET /schemas/ids/{id}/subjects", func(q *http.Request) (any, error) {
		id, err := idParam(q)
		if err != nil {
			return nil, err
		}
		vs, err := r.VersionsByID(id, boolParam(q, "deleted"))
		if err != nil {
			return nil, err
		}
		out := []string{}
		for _, v := range vs {
			if len(out) == 0 || out[len(out)-1] != v.Subject {
				out = append(out, v.Subject)
			}
		}
		return out, nil
	})
	h("GET /schemas/ids/{id}/versions", func(q *http.Request) (any, error) {
		id, err := idParam(q)
		if err != nil {
			return nil, err
		}
		vs, err := r.VersionsByID(id, boolParam(q, "deleted"))
		if err != nil {
			return nil, err
		}
		type sv struct {
			Subject string `json:"subject"`
			Version int    `json:"version"`
		}
		out := []sv{}
		for _, v := range vs {
			out = append(out, sv{v.Subject, v.Version})
		}
		return out, nil
	})
	h("GET /subjects", func(q *http.Request) (any, error) {
		subs := r.Subjects(boolParam(q, "deleted"))
		if p := q.URL.Query().Get("subjectPrefix"); p != "" {
			var out []string
			for _, s := range subs {
				if strings.HasPrefix(s, p) {
					out = append(out, s)
				}
			}
			subs = append([]string{}, out...)
		}
		return subs, nil
	})
	h("GET /subjects/{subject}/versions", func(q *http.Request) (any, error) {
		return r.Versions(q.PathValue("subject"), boolParam(q, "deleted"))
	})
	h("POST /subjects/{subject}/versions", func(q *http.Request) (any, error) {
		body, err := schemaBody(q)
		if err != nil {
			return nil, err
		}
		id, err := r.Register(q.Context(), q.PathValue("subject"), body)
		if err != nil {
			return nil, err
		}
		return map[string]int{"id": id}, nil
	})
	h("GET /subjects/{subject}/versions/{version}", func(q *http.Request) (any, error) {
		v, err := versionParam(q)
		if err != nil {
			return nil, err
		}
		return r.Version(q.PathValue("subject"), v, boolParam(q, "deleted"))
	})
	h("GET /subjects/{subject}/versions/{version}/schema", func(q *http.Request) (any, error) {
		v, err := versionParam(q)
		if err != nil {
			return nil, err
		}
		ss, err := r.Version(q.PathValue("subject"), v, boolParam(q, "deleted"))
		if err != nil {
			return nil, err
		}
		return rawText(ss.Schema), nil
	})
	h("GET /subjects/{subject}/versions/{version}/referencedby", func(q *http.Request) (any, error) {
		v, err := versionParam(q)
		if err != nil {
			return nil, err
		}
		return r.ReferencedBy(q.PathValue("subject"), v)
	})
	h("DELETE /subjects/{subject}/versions/{version}", func(q *http.Request) (any, error) {
		v, err := versionParam(q)
		if err != nil {
			return nil, err
		}
		return r.DeleteVersion(q.Context(), q.PathValue("subject"), v, boolParam(q, "permanent"))
	})
	h("POST /subjects/{subject}", func(q *http.Request) (any, error) {
		body, err := schemaBody(q)
		if err != nil {
			return nil, err
		}
		return r.Lookup(q.PathValue("subject"), body, boolParam(q, "deleted"))
	})
	h("DELETE /subjects/{subject}", func(q *http.Request) (any, error) {
		return r.DeleteSubject(q.Context(), q.PathValue("subject"), boolParam(q, "permanent"))
	})
	compat := func(all bool) func(*http.Request) (any, error) {
		return func(q *http.Request) (any, error) {
			v := Latest
			if !all {
				var err error
				if v, err = versionParam(q); err != nil {
					return nil, err
				}
			}
			body, err := schemaBody(q)
			if err != nil {
				return nil, err
			}
			msgs, err := r.CheckCompatibility(q.PathValue("subject"), v, all, body)
			if err != nil {
				// A new subject is compatible with anything.
				if e, ok := IsRegistryError(err); ok && e.Code == 40401 {
					return map[string]any{"is_compatible": true}, nil
				}
				return nil, err
			}
			out := map[string]any{"is_compatible": len(msgs) == 0}
			if len(msgs) > 0 && boolParam(q, "verbose") {
				out["messages"] = msgs
			}
			return out, nil
		}
	}
	h("POST /compatibility/subjects/{subject}/versions/{version}", compat(false))
	h("POST /compatibility/subjects/{subject}/versions", compat(true))
	for _, p := range []string{"/config", "/config/{subject}"} {
		h("GET "+p, func(q *http.Request) (any, error) {
			l, err := r.Compatibility(q.PathValue("subject"), boolParam(q, "defaultToGlobal"))
			if err != nil {
				return nil, err
			}
			return configValue{CompatibilityLevel: l}, nil
		})
		h("PUT "+p, func(q *http.Request) (any, error) {
			var body struct {
				Compatibility string `json:"compatibility"`
			}
			if err := decodeBody(q, &body); err != nil {
				return nil, err
			}
			level := strings.ToUpper(body.Compatibility)
			if err := r.SetCompatibility(q.Context(), q.PathValue("subject"), level); err != nil {
				return nil, err
			}
			return map[string]string{"compatibility": level}, nil
		})
		h("DELETE "+p, func(q *http.Request) (any, error) {
			l, err := r.DeleteCompatibility(q.Context(), q.PathValue("subject"))
			if err != nil {
				return nil, err
			}
			return configValue{CompatibilityLevel: l}, nil
		})
	}
	for _, p := range []string{"/mode", "/mode/{subject}"} {
		h("GET "+p, func(q *http.Request) (any, error) {
			return modeValue{Mode: r.Mode(q.PathValue("subject"))}, nil
		})
		h("PUT "+p, func(q *http.Request) (any, error) {
			var body modeValue
			if err := decodeBody(q, &body); err != nil {
				return nil, err
			}
			mode := strings.ToUpper(body.Mode)
			if err := r.SetMode(q.Context(), q.PathValue("subject"), mode, boolParam(q, "force")); err != nil {
				return nil, err
			}
			return modeValue{Mode: mode}, nil
		})
	}
	return mux
}

// rawText is an answer written as is (the .../schema endpoints).
type rawText string

func serve(w http.ResponseWriter, q *http.Request, fn func(*http.Request) (any, error)) {
	ctx, cancel := context.WithTimeout(q.Context(), 30*time.Second)
	defer cancel()
	out, err := fn(q.WithContext(ctx))
	w.Header().Set("Content-Type", ContentType)
	if err != nil {
		e, ok := IsRegistryError(err)
		if !ok {
			e = errorf(http.StatusInternalServerError, 50001, "%v", err)
		}
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(e)
		return
	}
	if t, ok := out.(rawText); ok {
		_, _ = io.WriteString(w, string(t))
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func decodeBody(q *http.Request, into any) error {
	data, err := io.ReadAll(io.LimitReader(q.Body, 16<<20))
	if err != nil {
		return errorf(http.StatusBadRequest, 50005, "reading the request: %v", err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return errorf(http.StatusUnprocessableEntity, 42201, "Unrecognized request body: %v", err)
	}
	return nil
}

func schemaBody(q *http.Request) (SchemaRequest, error) {
	var body SchemaRequest
	if err := decodeBody(q, &body); err != nil {
		return body, err
	}
	body.SchemaType = strings.ToUpper(body.SchemaType)
	if body.SchemaType == "" {
		body.SchemaType = Avro
	}
	switch body.SchemaType {
	case Avro, JSON, Protobuf:
	default:
		return body, errorf(http.StatusUnprocessableEntity, 42201, "Invalid schema type %s", body.SchemaType)
	}
	if body.Schema == "" {
		return body, errorf(http.StatusUnprocessableEntity, 42201, "Empty schema")
	}
	return body, nil
}

func boolParam(q *http.Request, name string) bool {
	v, _ := strconv.ParseBool(q.URL.Query().Get(name))
	return v
}

func idParam(q *http.Request) (int, error) {
	id, err := strconv.Atoi(q.PathValue("id"))
	if err != nil {
		return 0, errorf(http.StatusNotFound, 40403, "Schema %s not found", q.PathValue("id"))
	}
	return id, nil
}

func (r *Registry) schemaByIDParam(q *http.Request) (Content, error) {
	id, err := idParam(q)
	if err != nil {
		return Content{}, err
	}
	c, err := r.SchemaByID(id)
	if err != nil {
		return c, errorf(http.StatusNotFound, 40403, "Schema %d not found", id)
	}
	return c, nil
}

func versionParam(q *http.Request) (int, error) {
	s := q.PathValue("version")
	if s == "latest" || s == "-1" {
		return Latest, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil || v < 1 {
		return 0, errorf(http.StatusUnprocessableEntity, 42202,
			"The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", s)
	}
	return int(v), nil
}

func (r *Registry) httpAllSchemas(q *http.Request) (any, error) {
	deleted, latestOnly := boolParam(q, "deleted"), boolParam(q, "latestOnly")
	prefix := q.URL.Query().Get("subjectPrefix")
	out := []SubjectSchema{}
	for _, s := range r.Subjects(deleted) {
		if !strings.HasPrefix(s, prefix) {
			continue
		}
		vs, err := r.Versions(s, deleted)
		if err != nil {
			continue
		}
		if latestOnly {
			vs = vs[len(vs)-1:]
		}
		for _, v := range vs {
			if ss, err := r.Version(s, v, deleted); err == nil {
				out = append(out, ss)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out, nil
}
