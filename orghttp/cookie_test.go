package orghttp_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-organizations/organizations/orghttp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// setCookieFor stores id with s and returns the cookie written.
func setCookieFor(t *testing.T, s *orghttp.CookieSession, id uuid.UUID) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	require.NoError(t, s.SetCurrentOrganization(w, httptest.NewRequest("GET", "/", nil), id))
	cs := w.Result().Cookies()
	require.Len(t, cs, 1)
	return cs[0]
}

func readCookie(s *orghttp.CookieSession, cookies ...*http.Cookie) (uuid.UUID, bool) {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return s.CurrentOrganization(r)
}

func TestCookieSessionDefaults(t *testing.T) {
	t.Parallel()
	s, err := orghttp.NewCookieSession(testKey, nil)
	require.NoError(t, err)
	require.Equal(t, "__Host-org", s.Name())
	id := uuid.New()
	c := setCookieFor(t, s, id)
	require.Equal(t, "__Host-org", c.Name)
	require.True(t, c.Secure)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.Empty(t, c.Domain)
	require.Zero(t, c.MaxAge, "a browser-session cookie by default")
	require.NotContains(t, c.Value, id.String(), "the value is encoded, not the plain ID")
	got, ok := readCookie(s, c)
	require.True(t, ok)
	require.Equal(t, id, got)
}

func TestCookieSessionOptions(t *testing.T) {
	t.Parallel()
	s, err := orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Insecure: true, MaxAge: 30 * 24 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, "org", s.Name())
	c := setCookieFor(t, s, uuid.New())
	require.False(t, c.Secure)
	require.True(t, c.HttpOnly)
	require.Equal(t, 30*24*3600, c.MaxAge)

	s, err = orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Domain: "example.com", Name: "current"})
	require.NoError(t, err)
	c = setCookieFor(t, s, uuid.New())
	require.Equal(t, "current", c.Name)
	require.Equal(t, "example.com", c.Domain)
	require.True(t, c.Secure)

	s, err = orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Domain: "example.com"})
	require.NoError(t, err)
	require.Equal(t, "org", s.Name())

	s, err = orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{MaxAge: time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, 1, setCookieFor(t, s, uuid.New()).MaxAge, "a positive MaxAge never rounds to a session cookie")
}

func TestCookieSessionClear(t *testing.T) {
	t.Parallel()
	s, err := orghttp.NewCookieSession(testKey, nil)
	require.NoError(t, err)
	w := httptest.NewRecorder()
	require.NoError(t, s.ClearCurrentOrganization(w, httptest.NewRequest("GET", "/", nil)))
	cs := w.Result().Cookies()
	require.Len(t, cs, 1)
	require.Equal(t, "__Host-org", cs[0].Name)
	require.Empty(t, cs[0].Value)
	require.Equal(t, -1, cs[0].MaxAge)
	require.Contains(t, cs[0].Raw, "Max-Age=0")
	require.True(t, cs[0].Secure, "the deletion must match the cookie's attributes")
}

func TestCookieSessionRejectsTampering(t *testing.T) {
	t.Parallel()
	s, err := orghttp.NewCookieSession(testKey, nil)
	require.NoError(t, err)
	id := uuid.New()
	good := setCookieFor(t, s, id)

	other, err := orghttp.NewCookieSession(bytes.Repeat([]byte("k"), 32), nil)
	require.NoError(t, err)
	foreign := setCookieFor(t, other, id)

	renamed, err := orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Name: "__Host-other"})
	require.NoError(t, err)
	moved := setCookieFor(t, renamed, id)
	moved.Name = s.Name()

	values := map[string]string{
		"empty":     "",
		"garbage":   "not a cookie",
		"plain ID":  id.String(),
		"truncated": good.Value[:len(good.Value)-1],
		"extended":  good.Value + "A",
		"foreign":   foreign.Value,
		"moved":     moved.Value,
		"padding":   good.Value[:len(good.Value)-2] + "==",
		"bad chars": strings.Repeat("*", len(good.Value)),
	}
	// Flip each character in turn: no single change survives.
	for i := range good.Value {
		b := []byte(good.Value)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		values[fmt.Sprintf("flip %d", i)] = string(b)
	}
	for name, v := range values {
		_, ok := readCookie(s, &http.Cookie{Name: s.Name(), Value: v})
		require.False(t, ok, name)
	}

	// The nil ID is never a current organization, even when signed.
	_, ok := readCookie(s, setCookieFor(t, s, uuid.Nil))
	require.False(t, ok)
}

// Several cookies can share the name (one planted by a subdomain): the valid one wins.
func TestCookieSessionSkipsForgedDuplicates(t *testing.T) {
	t.Parallel()
	s, err := orghttp.NewCookieSession(testKey, nil)
	require.NoError(t, err)
	id := uuid.New()
	good := setCookieFor(t, s, id)
	forged := &http.Cookie{Name: s.Name(), Value: strings.Repeat("A", len(good.Value))}
	got, ok := readCookie(s, forged, good)
	require.True(t, ok)
	require.Equal(t, id, got)
}

func TestCookieSessionKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey := bytes.Repeat([]byte("o"), 32)
	old, err := orghttp.NewCookieSession(oldKey, nil)
	require.NoError(t, err)
	id := uuid.New()
	oldCookie := setCookieFor(t, old, id)

	rotated, err := orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{OldKeys: [][]byte{oldKey}})
	require.NoError(t, err)
	got, ok := readCookie(rotated, oldCookie)
	require.True(t, ok)
	require.Equal(t, id, got)
	// New cookies are signed with the new key only.
	newCookie := setCookieFor(t, rotated, id)
	_, ok = readCookie(old, newCookie)
	require.False(t, ok)
	current, err := orghttp.NewCookieSession(testKey, nil)
	require.NoError(t, err)
	_, ok = readCookie(current, newCookie)
	require.True(t, ok)
}

func TestCookieSessionCopiesKey(t *testing.T) {
	t.Parallel()
	key := bytes.Clone(testKey)
	s, err := orghttp.NewCookieSession(key, nil)
	require.NoError(t, err)
	c := setCookieFor(t, s, uuid.New())
	for i := range key {
		key[i] = 0
	}
	_, ok := readCookie(s, c)
	require.True(t, ok)
}

func TestNewCookieSessionRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		key  []byte
		opts *orghttp.CookieOptions
	}{
		"nil key":             {nil, nil},
		"short key":           {testKey[:31], nil},
		"short old key":       {testKey, &orghttp.CookieOptions{OldKeys: [][]byte{testKey[:16]}}},
		"negative max age":    {testKey, &orghttp.CookieOptions{MaxAge: -time.Second}},
		"bad name":            {testKey, &orghttp.CookieOptions{Name: "a b"}},
		"bad name char":       {testKey, &orghttp.CookieOptions{Name: "org;"}},
		"bad domain":          {testKey, &orghttp.CookieOptions{Domain: "exa mple.com"}},
		"__Host- insecure":    {testKey, &orghttp.CookieOptions{Name: "__Host-org", Insecure: true}},
		"__Host- with domain": {testKey, &orghttp.CookieOptions{Name: "__Host-org", Domain: "example.com"}},
		"__Secure- insecure":  {testKey, &orghttp.CookieOptions{Name: "__Secure-org", Insecure: true}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := orghttp.NewCookieSession(c.key, c.opts)
			require.ErrorIs(t, err, orghttp.ErrInvalidConfig)
			require.Nil(t, s)
		})
	}
	s, err := orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Name: "__Secure-org", Domain: "example.com"})
	require.NoError(t, err)
	require.Equal(t, "__Secure-org", s.Name())
}

// FuzzCookieSession: no cookie value panics, and the only values accepted are exactly the
// ones the session writes.
func FuzzCookieSession(f *testing.F) {
	s, err := orghttp.NewCookieSession(testKey, nil)
	if err != nil {
		f.Fatal(err)
	}
	w := httptest.NewRecorder()
	_ = s.SetCurrentOrganization(w, nil, uuid.MustParse("0190a000-0000-7000-8000-000000000001"))
	f.Add(w.Result().Cookies()[0].Value)
	f.Add("")
	f.Add(strings.Repeat("A", 64))
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", s.Name()+"="+value)
		id, ok := s.CurrentOrganization(r)
		if !ok {
			return
		}
		w := httptest.NewRecorder()
		require.NoError(t, s.SetCurrentOrganization(w, r, id))
		require.Equal(t, w.Result().Cookies()[0].Value, strings.Trim(value, `"`))
	})
}
