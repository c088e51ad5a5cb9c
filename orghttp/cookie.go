package orghttp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// MinKeyLength is the shortest key NewCookieSession accepts, in bytes: HMAC-SHA256's
// block of security. Generate keys with crypto/rand and keep them out of the source.
const MinKeyLength = 32

// CookieOptions are the optional settings of NewCookieSession; nil means defaults.
type CookieOptions struct {
	// Name is the cookie's name. Default "__Host-org", or "org" when Insecure or Domain
	// is set (browsers refuse the __Host- prefix on such cookies).
	Name string
	// Domain, if set, shares the cookie with subdomains. Default: this host only.
	Domain string
	// MaxAge is how long the browser keeps the cookie. Zero: until the browser closes.
	MaxAge time.Duration
	// Insecure lets the cookie travel over plain HTTP (drops the Secure attribute): for
	// development on http://localhost only.
	Insecure bool
	// OldKeys still verify cookies but never sign them: put the previous key here when
	// rotating keys, until the cookies it signed have expired.
	OldKeys [][]byte
}

// CookieSession is the default Session: the current organization's ID in a cookie signed
// with HMAC-SHA256, HttpOnly, SameSite=Lax, Secure unless CookieOptions.Insecure, on path
// "/". A cookie that was altered, signed with another key or made for another cookie name
// reads as no cookie. The cookie is signed, not encrypted: the browser can see the ID.
// A CookieSession is safe for concurrent use.
type CookieSession struct {
	name   string
	domain string
	maxAge int
	secure bool
	keys   [][]byte // keys[0] signs
}

// cookieContext separates these MACs from any other use of the host's key.
const cookieContext = "orghttp current organization v1\x00"

// cookieValueLen is the length of an encoded value: base64url of ID (16) + MAC (32).
var cookieValueLen = base64.RawURLEncoding.EncodedLen(16 + sha256.Size)

var _ Session = (*CookieSession)(nil)

// NewCookieSession returns a CookieSession signing with key (at least MinKeyLength bytes;
// it is copied). Errors: ErrInvalidConfig (a short key or old key, a negative MaxAge, an
// invalid name or domain, or a __Host- or __Secure- name the options make browsers
// refuse).
func NewCookieSession(key []byte, opts *CookieOptions) (*CookieSession, error) {
	if opts == nil {
		opts = &CookieOptions{}
	}
	s := &CookieSession{name: opts.Name, domain: opts.Domain, secure: !opts.Insecure}
	if s.name == "" {
		s.name = "__Host-org"
		if opts.Insecure || opts.Domain != "" {
			s.name = "org"
		}
	}
	for _, k := range append([][]byte{key}, opts.OldKeys...) {
		if len(k) < MinKeyLength {
			return nil, fmt.Errorf("%w: cookie key shorter than %d bytes", ErrInvalidConfig, MinKeyLength)
		}
		s.keys = append(s.keys, append([]byte(nil), k...))
	}
	if opts.MaxAge < 0 {
		return nil, fmt.Errorf("%w: negative cookie MaxAge", ErrInvalidConfig)
	}
	if opts.MaxAge > 0 {
		s.maxAge = max(1, int(opts.MaxAge/time.Second))
	}
	if strings.HasPrefix(s.name, "__Host-") && (!s.secure || s.domain != "") ||
		strings.HasPrefix(s.name, "__Secure-") && !s.secure {
		return nil, fmt.Errorf("%w: cookie name %q needs Secure and no Domain", ErrInvalidConfig, s.name)
	}
	if err := s.cookie("", 0).Valid(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	return s, nil
}

// Name returns the cookie's name.
func (s *CookieSession) Name() string { return s.name }

// CurrentOrganization returns the ID in the first of the request's cookies of this name
// that carries a valid signature. Several cookies can share a name (one set by a
// subdomain, for instance); forged ones are skipped.
func (s *CookieSession) CurrentOrganization(r *http.Request) (uuid.UUID, bool) {
	for _, c := range r.CookiesNamed(s.name) {
		if id, ok := s.decode(c.Value); ok {
			return id, true
		}
	}
	return uuid.Nil, false
}

// SetCurrentOrganization sets the cookie to id, signed. It never fails.
func (s *CookieSession) SetCurrentOrganization(w http.ResponseWriter, _ *http.Request, id uuid.UUID) error {
	http.SetCookie(w, s.cookie(s.encode(id), s.maxAge))
	return nil
}

// ClearCurrentOrganization tells the browser to delete the cookie. It never fails.
func (s *CookieSession) ClearCurrentOrganization(w http.ResponseWriter, _ *http.Request) error {
	http.SetCookie(w, s.cookie("", -1))
	return nil
}

func (s *CookieSession) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.name, Value: value, Path: "/", Domain: s.domain, MaxAge: maxAge,
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

func (s *CookieSession) encode(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString(append(id[:], s.mac(s.keys[0], id)...))
}

// decode returns the ID of a value signed by any of the keys. Comparison is in constant
// time, so the response time does not reveal how much of a forged MAC is right.
func (s *CookieSession) decode(value string) (uuid.UUID, bool) {
	if len(value) != cookieValueLen {
		return uuid.Nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) != 16+sha256.Size {
		return uuid.Nil, false
	}
	id := uuid.UUID(raw[:16])
	ok := false
	for _, k := range s.keys {
		ok = hmac.Equal(raw[16:], s.mac(k, id)) || ok
	}
	if !ok || id == uuid.Nil {
		return uuid.Nil, false
	}
	return id, true
}

// mac binds the ID to the cookie name, so a value cannot be moved to another cookie
// signed with the same key.
func (s *CookieSession) mac(key []byte, id uuid.UUID) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(cookieContext))
	h.Write([]byte(s.name))
	h.Write([]byte{0})
	h.Write(id[:])
	return h.Sum(nil)
}
