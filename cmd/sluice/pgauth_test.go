package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parsePGAuth(t *testing.T, args ...string) *pgAuthConfig {
	t.Helper()
	var c pgAuthConfig
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestServerSecurity(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(file, []byte("# users\nbob:b:with:colons\n\ncarol:c\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := parsePGAuth(t, "--pg-user", "alice:a", "--pg-users-file", file, "--pg-auth", "md5")
	_, auth, err := c.serverSecurity("0.0.0.0:5433")
	if err != nil {
		t.Fatal(err)
	}
	if len(auth.Users) != 3 || auth.Users["bob"] != "b:with:colons" || auth.Method != "md5" || auth.TrustLoopback {
		t.Errorf("auth = %+v", auth)
	}
	for _, tc := range []struct {
		args []string
		addr string
		want string
	}{
		{nil, "0.0.0.0:5433", "not a loopback address"},
		{[]string{"--pg-auth", "ident"}, "127.0.0.1:5433", "want scram-sha-256"},
		{[]string{"--tls-cert", "x.pem"}, "127.0.0.1:5433", "go together"},
		{[]string{"--tls-required"}, "127.0.0.1:5433", "needs --tls-cert"},
	} {
		_, _, err := parsePGAuth(t, tc.args...).serverSecurity(tc.addr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v on %s: got %v, want an error containing %q", tc.args, tc.addr, err, tc.want)
		}
	}
	if _, _, err := parsePGAuth(t, "--pg-allow-remote-trust").serverSecurity("0.0.0.0:5433"); err != nil {
		t.Errorf("--pg-allow-remote-trust: %v", err)
	}
	if _, _, err := parsePGAuth(t).serverSecurity("127.0.0.1:5433"); err != nil {
		t.Errorf("loopback without users: %v", err)
	}
}

func TestCheckListenAddr(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		allowed bool
		ok      bool
	}{
		{"127.0.0.1:9092", false, true},
		{"[::1]:9092", false, true},
		{"localhost:9092", false, true},
		{"0.0.0.0:9092", false, false},
		{":9092", false, false},
		{"10.1.2.3:9092", false, false},
		{"0.0.0.0:9092", true, true},
	} {
		err := checkListenAddr("--x-addr", tc.addr, tc.allowed, "--x-allow-remote")
		if (err == nil) != tc.ok {
			t.Errorf("%s allowed=%v: got %v, want ok=%v", tc.addr, tc.allowed, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--x-allow-remote") {
			t.Errorf("%s: error %q does not name the flag that allows it", tc.addr, err)
		}
	}
}
