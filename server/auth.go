package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Auth configures client authentication. The zero value trusts every client.
type Auth struct {
	// Users maps user names to passwords. Empty: every client is trusted.
	Users map[string]string
	// Method is how passwords are checked: "scram-sha-256" (default), "md5" or
	// "password" (cleartext; use it only over TLS).
	Method string
	// TrustLoopback lets clients connecting from a loopback address in without a
	// password even when Users is set.
	TrustLoopback bool
	// RequireTLS refuses connections that did not negotiate TLS (when TLS is
	// configured).
	RequireTLS bool
}

// Authentication methods.
const (
	AuthSCRAM     = "scram-sha-256"
	AuthMD5       = "md5"
	AuthPassword  = "password"
	scramIters    = 4096
	scramMechName = "SCRAM-SHA-256"
)

// scramCredential is what the server keeps for SCRAM: salted keys, not the
// password. Built once per user when the server starts.
type scramCredential struct {
	salt      []byte
	storedKey []byte
	serverKey []byte
}

func newSCRAMCredential(password string) (scramCredential, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return scramCredential{}, err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIters, sha256.Size)
	if err != nil {
		return scramCredential{}, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return scramCredential{salt: salt, storedKey: stored[:], serverKey: hmacSHA256(salted, "Server Key")}, nil
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// authenticate runs the configured authentication exchange and sends
// AuthenticationOk, or FATAL 28P01/28000 and reports false.
func (c *conn) authenticate(fr *frameReader, user string) bool {
	a := c.srv.cfg.Auth
	if len(a.Users) == 0 || (a.TrustLoopback && isLoopback(c.nc.RemoteAddr())) {
		c.send(&pgproto3.AuthenticationOk{})
		return true
	}
	var ok bool
	var err error
	switch a.Method {
	case AuthPassword:
		ok, err = c.authCleartext(fr, user)
	case AuthMD5:
		ok, err = c.authMD5(fr, user)
	default:
		ok, err = c.authSCRAM(fr, user)
	}
	if err != nil {
		c.log.Debug("authentication failed", "user", user, "err", err)
	}
	if !ok {
		// The answer is held back longer with each recent failure from the
		// same address, so guessing passwords costs time.
		time.Sleep(c.srv.failures.fail(remoteHost(c.nc.RemoteAddr()), time.Now()))
		c.send(fatalResponse("28P01", fmt.Sprintf("password authentication failed for user %q", user)))
		c.flush()
		return false
	}
	c.send(&pgproto3.AuthenticationOk{})
	return true
}

// unknownUserCredential is the SCRAM credential an unknown user is shown: a
// salt and keys derived from the server's secret and the name, so it is the
// same at every attempt (as a real user's is) and costs what a known user's
// check costs (no key stretching at login for either). The exchange then
// fails like a wrong password.
func (s *Server) unknownUserCredential(user string) scramCredential {
	derive := func(label string) []byte { return hmacSHA256(s.fakeSCRAM, label+"\x00"+user) }
	return scramCredential{salt: derive("salt")[:16], storedKey: derive("stored"), serverKey: derive("server")}
}

func remoteHost(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	return addr.String()
}

// loginFailures counts recent failed logins per client address. Each failure
// within failureWindow of the previous one doubles the delay before the next
// failure is answered, from 100 ms to 5 s; a quiet address starts again.
type loginFailures struct {
	mu     sync.Mutex
	byHost map[string]*hostFailures
	lastGC time.Time
}

type hostFailures struct {
	n    int
	last time.Time
}

const (
	failureWindow   = time.Minute
	firstFailDelay  = 100 * time.Millisecond
	maxFailDelay    = 5 * time.Second
	maxTrackedHosts = 100_000
)

func newLoginFailures() *loginFailures {
	return &loginFailures{byHost: map[string]*hostFailures{}}
}

// fail records a failed login from host at now and returns how long to wait
// before answering it.
func (f *loginFailures) fail(host string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.lastGC) > failureWindow || len(f.byHost) > maxTrackedHosts {
		for h, hf := range f.byHost {
			if now.Sub(hf.last) > failureWindow {
				delete(f.byHost, h)
			}
		}
		f.lastGC = now
	}
	hf := f.byHost[host]
	if hf == nil || now.Sub(hf.last) > failureWindow {
		hf = &hostFailures{}
		if len(f.byHost) < maxTrackedHosts {
			f.byHost[host] = hf
		}
	}
	hf.n++
	hf.last = now
	d := firstFailDelay
	for i := 1; i < hf.n && d < maxFailDelay; i++ {
		d *= 2
	}
	return min(d, maxFailDelay)
}

func isLoopback(addr net.Addr) bool {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	_, isUnix := addr.(*net.UnixAddr)
	return isUnix
}

// readPassword reads the client's next 'p' message (PasswordMessage or a SASL
// response) and returns its body.
func (c *conn) readPassword(fr *frameReader) ([]byte, error) {
	c.flush()
	if c.writeErr != nil {
		return nil, c.writeErr
	}
	var hdr [5]byte
	if _, err := io.ReadFull(fr.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[1:]))) - 4
	if hdr[0] != 'p' || n < 0 || n > 1<<16 {
		return nil, fmt.Errorf("expected a password message, got type %q length %d", hdr[0], n+4)
	}
	body := make([]byte, n)
	_, err := io.ReadFull(fr.r, body)
	return body, err
}

func cstring(b []byte) string {
	s, _, _ := bytes.Cut(b, []byte{0})
	return string(s)
}

func (c *conn) authCleartext(fr *frameReader, user string) (bool, error) {
	c.send(&pgproto3.AuthenticationCleartextPassword{})
	body, err := c.readPassword(fr)
	if err != nil {
		return false, err
	}
	want, known := c.srv.cfg.Auth.Users[user]
	got := cstring(body)
	return known && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, nil
}

func (c *conn) authMD5(fr *frameReader, user string) (bool, error) {
	var salt [4]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return false, err
	}
	c.send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	body, err := c.readPassword(fr)
	if err != nil {
		return false, err
	}
	password, known := c.srv.cfg.Auth.Users[user]
	inner := md5.Sum([]byte(password + user))
	outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), salt[:]...))
	want := "md5" + hex.EncodeToString(outer[:])
	return known && subtle.ConstantTimeCompare([]byte(cstring(body)), []byte(want)) == 1, nil
}

// authSCRAM runs SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding.
func (c *conn) authSCRAM(fr *frameReader, user string) (bool, error) {
	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechName}})
	body, err := c.readPassword(fr)
	if err != nil {
		return false, err
	}
	// SASLInitialResponse: mechanism, int32 length, client-first-message.
	mech, rest, _ := bytes.Cut(body, []byte{0})
	if string(mech) != scramMechName || len(rest) < 4 {
		return false, fmt.Errorf("unsupported SASL mechanism %q", mech)
	}
	clientFirst := string(rest[4:])
	gs2, bare, ok := cutGS2(clientFirst)
	if !ok {
		return false, fmt.Errorf("malformed client-first-message %q", clientFirst)
	}
	clientNonce := scramAttr(bare, 'r')
	if clientNonce == "" {
		return false, fmt.Errorf("client-first-message without nonce")
	}
	cred, known := c.srv.scram[user]
	if !known {
		cred = c.srv.unknownUserCredential(user)
	}
	nonce := clientNonce + randomNonce()
	serverFirst := "r=" + nonce + ",s=" + base64.StdEncoding.EncodeToString(cred.salt) + fmt.Sprintf(",i=%d", scramIters)
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	final, err := c.readPassword(fr)
	if err != nil {
		return false, err
	}
	clientFinal := string(final)
	i := strings.LastIndex(clientFinal, ",p=")
	if i < 0 {
		return false, fmt.Errorf("client-final-message without proof")
	}
	withoutProof := clientFinal[:i]
	if scramAttr(withoutProof, 'c') != base64.StdEncoding.EncodeToString([]byte(gs2)) || scramAttr(withoutProof, 'r') != nonce {
		return false, fmt.Errorf("client-final-message does not match the exchange")
	}
	proof, err := base64.StdEncoding.DecodeString(clientFinal[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return false, fmt.Errorf("malformed client proof")
	}
	authMessage := bare + "," + serverFirst + "," + withoutProof
	signature := hmacSHA256(cred.storedKey, authMessage)
	clientKey := make([]byte, len(proof))
	for k := range proof {
		clientKey[k] = proof[k] ^ signature[k]
	}
	stored := sha256.Sum256(clientKey)
	if !known || subtle.ConstantTimeCompare(stored[:], cred.storedKey) != 1 {
		return false, nil
	}
	serverSig := hmacSHA256(cred.serverKey, authMessage)
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(serverSig))})
	return true, nil
}

// cutGS2 splits a client-first-message into its GS2 header ("n,," or "y,,";
// channel binding "p=" is refused) and the bare message.
func cutGS2(msg string) (header, bare string, ok bool) {
	if !strings.HasPrefix(msg, "n,") && !strings.HasPrefix(msg, "y,") {
		return "", "", false
	}
	j := strings.Index(msg[2:], ",")
	if j < 0 {
		return "", "", false
	}
	return msg[:2+j+1], msg[2+j+1:], true
}

// scramAttr returns the value of attribute key in a SCRAM message.
func scramAttr(msg string, key byte) string {
	for _, part := range strings.Split(msg, ",") {
		if len(part) >= 2 && part[0] == key && part[1] == '=' {
			return part[2:]
		}
	}
	return ""
}

func randomNonce() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}
