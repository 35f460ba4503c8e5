package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/sluice-db/sluice/kafkaio"
)

// kafkaAuthConfig is the SASL/SCRAM-SHA-256 user of Kafka connections: a
// node's clients authenticate as it, and an embedded broker lets in only it.
type kafkaAuthConfig struct {
	user, file string
}

// register adds the flags, named with prefix ("kafka-" for a node, "" for
// `sluice broker`).
func (c *kafkaAuthConfig) register(fs *flag.FlagSet, prefix, what string) {
	fs.StringVar(&c.user, prefix+"sasl-user", "", "SASL/SCRAM-SHA-256 user as name:password: "+what)
	fs.StringVar(&c.file, prefix+"sasl-user-file", "", "file holding the --"+prefix+"sasl-user as one name:password line (# comments), so the password stays out of the process list")
}

// scram returns the user, or nil when none is configured.
func (c *kafkaAuthConfig) scram(prefix string) (*kafkaio.SCRAM, error) {
	line := c.user
	switch {
	case c.user != "" && c.file != "":
		return nil, fmt.Errorf("--%ssasl-user and --%ssasl-user-file are exclusive", prefix, prefix)
	case c.file != "":
		f, err := os.Open(c.file)
		if err != nil {
			return nil, fmt.Errorf("--%ssasl-user-file: %w", prefix, err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				line = l
				break
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--%ssasl-user-file: %w", prefix, err)
		}
		if line == "" {
			return nil, fmt.Errorf("--%ssasl-user-file %s holds no name:password line", prefix, c.file)
		}
	case c.user == "":
		return nil, nil
	}
	name, password, ok := strings.Cut(line, ":")
	if !ok || strings.TrimSpace(name) == "" || password == "" {
		return nil, fmt.Errorf("--%ssasl-user: want name:password", prefix)
	}
	return &kafkaio.SCRAM{User: strings.TrimSpace(name), Password: password}, nil
}
