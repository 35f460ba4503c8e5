package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/sluice-db/sluice/server"
)

// pgAuthConfig is the Postgres listener's TLS and authentication flags.
type pgAuthConfig struct {
	tlsCert, tlsKey string
	tlsRequired     bool
	users           userFlags
	usersFile       string
	method          string
	trustLoopback   bool
	allowRemote     bool
}

func (c *pgAuthConfig) register(fs *flag.FlagSet) {
	c.users = userFlags{}
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate for TLS on the Postgres listener (with --tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key for --tls-cert")
	fs.BoolVar(&c.tlsRequired, "tls-required", false, "refuse Postgres clients that do not use TLS")
	fs.Var(c.users, "pg-user", "a Postgres user as name:password (repeatable); with users, clients must authenticate")
	fs.StringVar(&c.usersFile, "pg-users-file", "", "file of Postgres users, one name:password per line (# comments)")
	fs.StringVar(&c.method, "pg-auth", server.AuthSCRAM, "password check: scram-sha-256, md5 or password (cleartext)")
	fs.BoolVar(&c.trustLoopback, "pg-trust-loopback", false, "with --pg-user or --pg-users-file, still let clients on a loopback address in without a password (without users every client is let in)")
	fs.BoolVar(&c.allowRemote, "pg-allow-remote-trust", false, "allow a non-loopback --pg-addr without any --pg-user (anyone who can connect gets in)")
}

// userFlags collects repeated --pg-user name:password flags.
type userFlags map[string]string

func (u userFlags) String() string { return fmt.Sprint(len(u), " users") }

func (u userFlags) Set(s string) error {
	name, password, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want name:password, got %q", s)
	}
	u[strings.TrimSpace(name)] = password
	return nil
}

// serverSecurity builds the server's TLS and authentication settings for a
// listener on addr. It refuses a non-loopback listener that would trust everyone.
func (c *pgAuthConfig) serverSecurity(addr string) (*tls.Config, server.Auth, error) {
	auth := server.Auth{Users: map[string]string{}, Method: c.method, TrustLoopback: c.trustLoopback, RequireTLS: c.tlsRequired}
	switch c.method {
	case server.AuthSCRAM, server.AuthMD5, server.AuthPassword:
	default:
		return nil, auth, fmt.Errorf("--pg-auth %q: want scram-sha-256, md5 or password", c.method)
	}
	for k, v := range c.users {
		auth.Users[k] = v
	}
	if c.usersFile != "" {
		if err := readUsersFile(c.usersFile, auth.Users); err != nil {
			return nil, auth, err
		}
	}
	var tlsCfg *tls.Config
	switch {
	case c.tlsCert != "" && c.tlsKey != "":
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return nil, auth, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case c.tlsCert != "" || c.tlsKey != "":
		return nil, auth, errors.New("--tls-cert and --tls-key go together")
	case c.tlsRequired:
		return nil, auth, errors.New("--tls-required needs --tls-cert and --tls-key")
	}
	if len(auth.Users) == 0 && !c.allowRemote && !loopbackAddr(addr) {
		return nil, auth, fmt.Errorf("--pg-addr %s is not a loopback address: configure --pg-user or --pg-users-file, or pass --pg-allow-remote-trust", addr)
	}
	return tlsCfg, auth, nil
}

func readUsersFile(path string, users map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--pg-users-file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, password, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("--pg-users-file %s:%d: want name:password", path, n)
		}
		users[strings.TrimSpace(name)] = password
	}
	return sc.Err()
}

// checkListenAddr refuses a non-loopback listen address for a listener without
// authentication unless its allow flag is set: exposing it must be a choice.
func checkListenAddr(name, addr string, allowed bool, allowFlag string) error {
	if allowed || loopbackAddr(addr) {
		return nil
	}
	return fmt.Errorf("%s %s is not a loopback address and that listener has no authentication: pass %s to expose it", name, addr, allowFlag)
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
