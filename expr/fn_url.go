package expr

import (
	"net/url"
	"strings"
)

func registerURLFunctions(r *Registry) {
	u := func(name, desc string, fn func(*url.URL, []any) any, extra ...param) {
		ps := append([]param{p("url", tString)}, extra...)
		r.add(&function{name: name, category: "URL", description: desc, overloads: []*overload{
			sig(tString, func(a []any) (any, error) {
				parsed, err := url.Parse(a[0].(string))
				if err != nil {
					return nil, evalErrorf("invalid URL %s", a[0])
				}
				return fn(parsed, a), nil
			}, ps...)}})
	}
	orNull := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	u("URL_EXTRACT_PROTOCOL", "The URL's scheme.", func(x *url.URL, _ []any) any { return orNull(x.Scheme) })
	u("URL_EXTRACT_HOST", "The URL's host.", func(x *url.URL, _ []any) any { return orNull(x.Hostname()) })
	u("URL_EXTRACT_PATH", "The URL's path.", func(x *url.URL, _ []any) any { return x.EscapedPath() })
	// The query comes back decoded (scalar-functions.md: "the decoded
	// query-string portion"): percent escapes are decoded, '+' is kept, as
	// java.net.URI.getQuery does.
	r.add(&function{name: "URL_EXTRACT_QUERY", category: "URL", description: "The URL's query string, decoded.", overloads: []*overload{
		sig(tString, func(a []any) (any, error) {
			x, err := url.Parse(a[0].(string))
			if err != nil {
				return nil, evalErrorf("invalid URL %s", a[0])
			}
			q, err := url.PathUnescape(x.RawQuery)
			if err != nil {
				return nil, evalErrorf("invalid URL %s: %v", a[0], err)
			}
			return orNull(q), nil
		}, p("url", tString))}})
	u("URL_EXTRACT_FRAGMENT", "The URL's fragment.", func(x *url.URL, _ []any) any { return orNull(x.Fragment) })
	r.add(&function{name: "URL_EXTRACT_PORT", category: "URL", description: "The URL's port.", overloads: []*overload{
		sig(tInt, func(a []any) (any, error) {
			x, err := url.Parse(a[0].(string))
			if err != nil || x.Port() == "" {
				return nil, nil
			}
			n := 0
			for _, c := range x.Port() {
				n = n*10 + int(c-'0')
			}
			return int32(n), nil
		}, p("url", tString))}})
	u("URL_EXTRACT_PARAMETER", "The first value of a query parameter.", func(x *url.URL, a []any) any {
		vs, ok := x.Query()[a[1].(string)]
		if !ok || len(vs) == 0 {
			return nil
		}
		return vs[0]
	}, p("parameter", tString))
	r.add(&function{name: "URL_ENCODE_PARAM", category: "URL", description: "application/x-www-form-urlencoded encoding.",
		overloads: []*overload{sig(tString, func(a []any) (any, error) {
			return url.QueryEscape(a[0].(string)), nil
		}, p("input", tString))}})
	r.add(&function{name: "URL_DECODE_PARAM", category: "URL", description: "application/x-www-form-urlencoded decoding.",
		overloads: []*overload{sig(tString, func(a []any) (any, error) {
			s, err := url.QueryUnescape(a[0].(string))
			if err != nil {
				return nil, evalErrorf("invalid encoding: %s", a[0])
			}
			return strings.Clone(s), nil
		}, p("input", tString))}})
}
