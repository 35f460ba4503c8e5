package kafkaio

import (
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// scramMechanism is the SASL mechanism Sluice uses with Kafka: SCRAM-SHA-256,
// which the embedded broker and Kafka both offer and which never sends the
// password.
const scramMechanism = "SCRAM-SHA-256"

// SCRAM is a SASL/SCRAM-SHA-256 user.
type SCRAM struct {
	User, Password string
}

// ClientOpt makes a client authenticate as the user.
func (s SCRAM) ClientOpt() kgo.Opt {
	return kgo.SASL(scram.Auth{User: s.User, Pass: s.Password}.AsSha256Mechanism())
}
