package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestServesPageAndAssets fetches the page over HTTP and every asset it links.
func TestServesPageAndAssets(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, page := get(t, srv.URL+"/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	links := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 2 {
		t.Fatalf("the page links %d assets", len(links))
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, l := range links {
		resp, _ := get(t, srv.URL+l[1])
		ext := l[1][strings.LastIndex(l[1], "."):]
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType[ext]) {
			t.Errorf("GET %s: %s %s", l[1], resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := get(t, srv.URL+"/nope"); resp.StatusCode != 404 {
		t.Errorf("GET /nope: %s", resp.Status)
	}
}

// TestSelfContained checks that no asset loads anything from another origin,
// so the console works offline.
func TestSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(path)
		if err != nil {
			return err
		}
		// The SVG namespace is a name, not something fetched.
		text := strings.ReplaceAll(string(b), `"http://www.w3.org/2000/svg"`, "")
		if m := external.FindString(text); m != "" {
			t.Errorf("%s refers to %s", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUsesOnlyNodeEndpoints lists the endpoints the script calls: each must be
// one of the node's own (the test of the binary checks they answer).
func TestUsesOnlyNodeEndpoints(t *testing.T) {
	js, err := assets.ReadFile("assets/console.js")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"/healthz": true, "/queries": true, "/ksql": true, "/query-stream": true, "/close-query": true}
	calls := regexp.MustCompile(`fetch\("([^"]+)"`).FindAllStringSubmatch(string(js), -1)
	if len(calls) == 0 {
		t.Fatal("the script calls no endpoint")
	}
	for _, c := range calls {
		if !known[c[1]] {
			t.Errorf("the script calls %s, not one of the node's endpoints", c[1])
		}
	}
}
