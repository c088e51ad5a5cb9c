package organizations

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Verified domains: an organization claims a mail domain ("acme.com"), proves it (a DNS
// TXT record, or a user's verified address at the domain), and chooses what happens to
// the users whose verified address is at that domain (DomainEnrollment): nothing, a
// pending invitation, or a suggestion to ask to join. See docs/domains.md.
//
// A domain name is matched exactly: a verified acme.com says nothing about eu.acme.com,
// which is a domain of its own, added and verified on its own (by the same organization
// or another). A verified domain belongs to at most one organization.

// PermDomainsManage allows Actor.AddDomain, Actor.RemoveDomain, Actor.VerifyDomain,
// Actor.VerifyDomainByAffiliation, Actor.UnverifyDomain and Actor.SetDomainEnrollment.
// DefaultPolicy gives it to RoleAdmin.
const PermDomainsManage Permission = "domains:manage"

// MaxDomainLength is the longest domain name, in bytes, without a trailing dot (RFC
// 1035); MaxDomainLabelLength the longest of its labels.
const (
	MaxDomainLength      = 253
	MaxDomainLabelLength = 63
)

// DomainTXTLabel is the label under which an organization publishes its verification
// token: the TXT record of "_organizations-verification.acme.com" (Domain.TXTName) must
// hold Domain.Token.
const DomainTXTLabel = "_organizations-verification"

// domainTokenPrefix starts every verification token, so that the record says what it is
// for.
const domainTokenPrefix = "organizations-verification="

// DomainEnrollment is what happens to a user whose verified address is at a verified
// domain of an organization, when the host calls Service.Enrollments.
type DomainEnrollment string

// The enrollment modes.
const (
	// EnrollmentManual: nothing automatic. Enrollments does not mention the
	// organization; admins invite as they always did. The default.
	EnrollmentManual DomainEnrollment = "manual"
	// EnrollmentAutomaticInvitation: the user gets a pending invitation with RoleMember,
	// made (or renewed) by Enrollments, whose token Enrollments returns.
	EnrollmentAutomaticInvitation DomainEnrollment = "automatic_invitation"
	// EnrollmentAutomaticSuggestion: the user is offered the organization and may ask to
	// join (Service.RequestToJoinByDomain); an admin approves as for any join request.
	EnrollmentAutomaticSuggestion DomainEnrollment = "automatic_suggestion"
)

// Valid reports whether e is one of the enrollment modes.
func (e DomainEnrollment) Valid() bool {
	switch e {
	case EnrollmentManual, EnrollmentAutomaticInvitation, EnrollmentAutomaticSuggestion:
		return true
	}
	return false
}

// DomainVerification is how a domain was verified.
type DomainVerification string

// The verification methods.
const (
	// DomainVerificationDNS: the domain's TXT record (Domain.TXTName) held the
	// organization's token (Service.VerifyDomain). Proves control of the domain.
	DomainVerificationDNS DomainVerification = "dns"
	// DomainVerificationAffiliation: the host attested that a user holds a verified
	// address at the domain (Service.VerifyDomainByAffiliation). Proves that someone at
	// the domain vouches for the claim, not that the domain's owner does.
	DomainVerificationAffiliation DomainVerification = "affiliation"
)

// Domain is a mail domain an organization has claimed. It marshals to JSON as
//
//	{"id":"…","organization_id":"…","name":"acme.com","enrollment":"manual",
//	 "token":"organizations-verification=…","verified_at":"…","verification":"dns",
//	 "verified_by":"ann","created_at":"…","updated_at":"…"}
//
// with "verified_at", "verification" and "verified_by" left out while unset.
type Domain struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	// Name is the domain, normalised (NormalizeDomain): lower-case ASCII, punycode for
	// an internationalised name, no trailing dot.
	Name string `json:"name"`
	// Enrollment is what happens to users at the domain once it is verified.
	Enrollment DomainEnrollment `json:"enrollment"`
	// Token is the value the TXT record of TXTName must hold for DNS verification. It
	// is made when the domain is added and never changes (remove and add the domain to
	// get another). It is no secret: it is published in DNS.
	Token string `json:"token"`
	// VerifiedAt is when the domain was last verified; zero while unverified.
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	// Verification is how it was last verified; empty while unverified.
	Verification DomainVerification `json:"verification,omitempty"`
	// VerifiedBy is the actor who verified it; empty while unverified, or for an
	// unchecked call.
	VerifiedBy UserID    `json:"verified_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// UpdatedAt is when the domain last changed: verified, unverified, its enrollment
	// changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Verified reports whether the domain is verified (VerifiedAt is set). Whether the
// verification still counts under Options.DomainVerificationMaxAge is VerifiedSince's
// question.
func (d Domain) Verified() bool { return !d.VerifiedAt.IsZero() }

// VerifiedSince reports whether the domain was verified at or after since: whether its
// verification counts for a Service whose Options.DomainVerificationMaxAge makes since
// the oldest verification it accepts. A zero since accepts any verification.
func (d Domain) VerifiedSince(since time.Time) bool {
	return d.Verified() && !d.VerifiedAt.Before(since)
}

// TXTName is the DNS name whose TXT record must hold Token: DomainTXTLabel under the
// domain.
func (d Domain) TXTName() string { return DomainTXTLabel + "." + d.Name }

// newDomainToken returns a fresh verification token.
func newDomainToken() string {
	var raw [24]byte
	_, _ = rand.Read(raw[:]) // never fails since Go 1.24 (see newToken)
	return domainTokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
}

// NormalizeDomain returns name in the one form the library stores and matches domains
// by: surrounding white space trimmed, one trailing dot dropped, lower-cased. The result
// is a host name of at least two labels, at most MaxDomainLength bytes, each label 1 to
// MaxDomainLabelLength bytes of ASCII letters, digits and hyphens, neither starting nor
// ending with a hyphen, and a last label that is not all digits (so no IP address).
// Internationalised names are accepted in their ASCII (punycode, "xn--") form only: the
// library converts nothing, so a host that accepts Unicode names converts them first
// (golang.org/x/net/idna). Anything else is ErrInvalidDomain. Normalising a normalised
// name returns it unchanged.
func NormalizeDomain(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", ErrInvalidDomain
	}
	n := strings.TrimSpace(name)
	n = strings.TrimSuffix(n, ".")
	if n == "" || len(n) > MaxDomainLength {
		return "", ErrInvalidDomain
	}
	b := []byte(n)
	labels, start := 0, 0
	allDigits := true
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			l := b[start:i]
			if len(l) == 0 || len(l) > MaxDomainLabelLength || l[0] == '-' || l[len(l)-1] == '-' {
				return "", ErrInvalidDomain
			}
			labels++
			start = i + 1
			if i < len(b) {
				allDigits = true
			}
			continue
		}
		c := b[i]
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
			allDigits = false
		case 'a' <= c && c <= 'z', c == '-':
			allDigits = false
		case '0' <= c && c <= '9':
		default:
			return "", ErrInvalidDomain
		}
	}
	if labels < 2 || allDigits {
		return "", ErrInvalidDomain
	}
	return string(b), nil
}

// EmailDomain returns the domain of an email address, normalised: the part after the
// '@' of NormalizeEmail(email), through NormalizeDomain. Errors: ErrInvalidEmail (see
// NormalizeEmail), ErrInvalidDomain (an address whose domain is not a host name the
// library accepts: an internationalised one not in punycode, an IP literal).
func EmailDomain(email string) (string, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	return NormalizeDomain(e[strings.LastIndexByte(e, '@')+1:])
}

// DefaultPublicMailDomains returns the domains of public mail providers that no
// organization may add, in a new slice: anyone can have an address there, so an
// address there says nothing about an organization. Options.PublicMailDomains adds to
// the list.
func DefaultPublicMailDomains() []string {
	return append([]string(nil), publicMailDomains...)
}

// publicMailDomains are the common public mail providers (free, or open to anyone).
var publicMailDomains = []string{
	"gmail.com", "googlemail.com",
	"outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "live.com", "live.co.uk",
	"live.fr", "msn.com", "passport.com",
	"yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.co.jp", "yahoo.co.in",
	"yahoo.com.br", "ymail.com", "rocketmail.com",
	"icloud.com", "me.com", "mac.com",
	"aol.com", "aim.com",
	"proton.me", "protonmail.com", "protonmail.ch", "pm.me",
	"gmx.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "t-online.de", "freenet.de",
	"mail.com", "email.com", "usa.com",
	"zoho.com", "zohomail.com",
	"yandex.com", "yandex.ru", "ya.ru", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "rambler.ru",
	"qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com", "foxmail.com",
	"naver.com", "daum.net", "hanmail.net",
	"fastmail.com", "fastmail.fm", "hey.com", "tutanota.com", "tutanota.de", "tuta.io", "tuta.com",
	"posteo.de", "posteo.net", "mailbox.org", "hushmail.com", "disroot.org", "riseup.net",
	"orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
	"libero.it", "virgilio.it", "tiscali.it",
	"seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
	"btinternet.com", "sky.com", "virginmedia.com",
	"comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net", "charter.net",
	"rediffmail.com", "duck.com", "mailfence.com", "runbox.com",
}

// publicMailDomainSet is publicMailDomains as a set.
var publicMailDomainSet = func() map[string]bool {
	m := make(map[string]bool, len(publicMailDomains))
	for _, d := range publicMailDomains {
		m[d] = true
	}
	return m
}()

// isPublicMailDomain reports whether the normalised domain name is a public mail
// provider's: in DefaultPublicMailDomains or Options.PublicMailDomains.
func (s *Service) isPublicMailDomain(name string) bool {
	if publicMailDomainSet[name] {
		return true
	}
	for _, d := range s.opts.PublicMailDomains {
		if n, err := NormalizeDomain(d); err == nil && n == name {
			return true
		}
	}
	return false
}

// TXTResolver looks up DNS TXT records: the one method of *net.Resolver that domain
// verification needs, so that a host can pass its own resolver (one that asks a given
// server, or caches) and tests a fake. Options.DomainResolver; default
// net.DefaultResolver.
type TXTResolver interface {
	// LookupTXT returns the TXT records of name, each record's strings joined (as
	// net.Resolver does).
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// defaultResolver is the TXTResolver of a Service without Options.DomainResolver.
var defaultResolver TXTResolver = net.DefaultResolver

// TXTResolverFunc adapts a function to a TXTResolver.
type TXTResolverFunc func(ctx context.Context, name string) ([]string, error)

// LookupTXT calls f(ctx, name).
func (f TXTResolverFunc) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return f(ctx, name)
}
