package organizations_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// dnsServer is a tiny authoritative DNS server on 127.0.0.1 over UDP, for domain
// verification through a real net.Resolver without the network: it answers TXT
// questions from its records (each record's strings as given, so a record may be split
// into several character-strings), NXDOMAIN for a name it does not know, and rcode for
// every question while rcode is set (SERVFAIL, say). Standard library only.
type dnsServer struct {
	conn net.PacketConn

	mu       sync.Mutex
	records  map[string][][]string // lower-case name without the final dot -> records -> strings
	rcode    int
	silent   bool // drop every question (a resolver that times out)
	asked    []string
	answered int
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &dnsServer{conn: conn, records: map[string][][]string{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	return s
}

// resolver is a net.Resolver that asks only this server.
func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", s.conn.LocalAddr().String())
		},
	}
}

func (s *dnsServer) set(name string, strs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[name] = append(s.records[name], strs)
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, addr, err := s.conn.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		if reply := s.answer(buf[:n]); reply != nil {
			_, _ = s.conn.WriteTo(reply, addr)
		}
	}
}

// answer builds the reply to the query q, or nil to drop it.
func (s *dnsServer) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil // not one question: no reply
	}
	// The question: labels up to the root, then QTYPE and QCLASS.
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i : i+2])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, name)
	if s.silent {
		return nil
	}
	rcode := s.rcode
	recs, known := s.records[name]
	if rcode == 0 && !known {
		rcode = 3 // NXDOMAIN
	}
	if qtype != 16 || rcode != 0 {
		recs = nil // no TXT answers to another type, or to a failure
	}
	s.answered++

	out := make([]byte, 12, 512)
	copy(out[0:2], q[0:2])                  // ID
	out[2] = 0x80 | 0x04 | (q[2] & 0x79)    // QR, AA, the query's opcode and RD
	out[3] = 0x80 | byte(rcode)             // RA, RCODE
	binary.BigEndian.PutUint16(out[4:6], 1) // QDCOUNT
	binary.BigEndian.PutUint16(out[6:8], uint16(len(recs)))
	out = append(out, question...)
	for _, strs := range recs {
		var rdata []byte
		for _, str := range strs {
			rdata = append(rdata, byte(len(str)))
			rdata = append(rdata, str...)
		}
		out = append(out, 0xc0, 12)                  // the name: a pointer to the question's
		out = binary.BigEndian.AppendUint16(out, 16) // TXT
		out = binary.BigEndian.AppendUint16(out, 1)  // IN
		out = binary.BigEndian.AppendUint32(out, 60) // TTL
		out = binary.BigEndian.AppendUint16(out, uint16(len(rdata)))
		out = append(out, rdata...)
	}
	return out
}

func (s *dnsServer) questions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// Domain verification through net.Resolver, asking a DNS server on 127.0.0.1: the
// record's name, the token among other records and split across character-strings,
// NXDOMAIN and SERVFAIL as *net.DNSError wrapped in ErrDomainVerificationFailed, and a
// lookup that outlives the caller's context.
func TestVerifyDomainThroughARealResolver(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dns := newDNSServer(t)
	svc := organizations.New(nil, &organizations.Options{DomainResolver: dns.resolver()})
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	d, err := svc.AddDomain(ctx, org.ID, "Acme.Example", nil)
	require.NoError(t, err)

	// No record: NXDOMAIN.
	_, err = svc.VerifyDomain(ctx, org.ID, "acme.example")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr)
	require.True(t, dnsErr.IsNotFound, "%v", dnsErr)
	require.Contains(t, dns.questions(), "_organizations-verification.acme.example")

	// Other records only, one of them longer than one character-string.
	dns.set("_organizations-verification.acme.example", "v=spf1 -all")
	dns.set("_organizations-verification.acme.example", strings.Repeat("x", 255), strings.Repeat("y", 100))
	_, err = svc.VerifyDomain(ctx, org.ID, "acme.example")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	require.False(t, errors.As(err, &dnsErr), "an answer without the token is no lookup failure")

	// The token, split in two character-strings (net.Resolver joins a record's strings).
	half := len(d.Token) / 2
	dns.set("_organizations-verification.acme.example", d.Token[:half], d.Token[half:])
	v, err := svc.VerifyDomain(ctx, org.ID, "acme.example")
	require.NoError(t, err)
	require.Equal(t, organizations.DomainVerificationDNS, v.Verification)
	require.True(t, v.Verified())

	// A failing server: the resolver's error, wrapped.
	e, err := svc.AddDomain(ctx, org.ID, "other.example", nil)
	require.NoError(t, err)
	dns.set("_organizations-verification.other.example", e.Token)
	dns.mu.Lock()
	dns.rcode = 2 // SERVFAIL
	dns.mu.Unlock()
	_, err = svc.VerifyDomain(ctx, org.ID, "other.example")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	require.ErrorAs(t, err, &dnsErr)
	require.False(t, dnsErr.IsNotFound)
	got, err := svc.Domain(ctx, org.ID, "other.example")
	require.NoError(t, err)
	require.False(t, got.Verified(), "nothing changed")

	// A server that never answers: the caller's deadline ends the lookup, and the call
	// returns the context's error.
	dns.mu.Lock()
	dns.rcode, dns.silent = 0, true
	dns.mu.Unlock()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = svc.VerifyDomain(short, org.ID, "other.example")
	require.ErrorIs(t, err, context.DeadlineExceeded)

	dns.mu.Lock()
	dns.silent = false
	dns.mu.Unlock()
	v, err = svc.VerifyDomain(ctx, org.ID, "other.example")
	require.NoError(t, err)
	require.True(t, v.Verified())
}
