package orghttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRequireMemberByPath is a guarded request naming its organization by slug: the
// organization and membership lookups on the memory store, the context, the handler.
func BenchmarkRequireMemberByPath(b *testing.B) {
	f := newFixture(b)
	m := f.middleware(b, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", m.RequireMember(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	r := request("GET", orgPath(f.acme.Slug, ""), "member")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		mux.ServeHTTP(w, r)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}

// BenchmarkRequireAdminBySession resolves the organization from the signed cookie.
func BenchmarkRequireAdminBySession(b *testing.B) {
	f := newFixture(b)
	m := f.middleware(b, nil)
	h := m.RequireAdmin(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := request("GET", "/dashboard", "admin", f.sessionCookie(b, f.acme.ID))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
}

// BenchmarkCookieSessionRead verifies a signed cookie.
func BenchmarkCookieSessionRead(b *testing.B) {
	f := newFixture(b)
	r := request("GET", "/", "", f.sessionCookie(b, f.acme.ID))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := f.session.CurrentOrganization(r); !ok {
			b.Fatal("cookie rejected")
		}
	}
}
