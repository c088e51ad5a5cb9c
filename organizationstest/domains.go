package organizationstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// domainStore is the optional organizations.DomainStore.
var domainStore = optionalOf[organizations.DomainStore]()

// domainRace is how many organizations race to verify one domain, in each of
// domainRaceRounds rounds.
const (
	domainRace       = 8
	domainRaceRounds = 16
)

func domainTests() []test {
	return []test{
		{"AddListRemove", testDomainAddListRemove},
		{"BadInputChangesNothing", testDomainBadInput},
		{"VerifyByDNS", testDomainVerifyDNS},
		{"VerifyByAffiliation", testDomainVerifyAffiliation},
		{"OneOrganizationPerVerifiedDomain", testDomainOneOrganization},
		{"SubdomainsAreSeparate", testDomainSubdomains},
		{"UnverifyAndMaxAge", testDomainReverification},
		{"ActorChecked", testDomainActorChecked},
		{"AutomaticInvitation", testDomainAutoInvitation},
		{"AutomaticInvitationAtSeatLimit", testDomainAutoInvitationSeats},
		{"AutomaticSuggestion", testDomainSuggestion},
		{"NothingAppliesOutsideTheModes", testDomainNothingApplies},
		{"EventsInFeedAndAuditLog", testDomainEventLog},
		{"RaceVerify", testDomainRaceVerify},
		{"RaceEnrollments", testDomainRaceEnrollments},
	}
}

// fakeResolver is an organizations.TXTResolver over a map, counting its lookups.
type fakeResolver struct {
	mu      sync.Mutex
	records map[string][]string
	err     error
	lookups []string
}

func (r *fakeResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, name)
	if r.err != nil {
		return nil, r.err
	}
	return append([]string(nil), r.records[name]...), nil
}

// publish adds a TXT record holding d's token.
func (r *fakeResolver) publish(d organizations.Domain, format string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string][]string{}
	}
	r.records[d.TXTName()] = append(r.records[d.TXTName()], fmt.Sprintf(format, d.Token))
}

func (r *fakeResolver) lookupCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lookups)
}

// domainWorld is a Service over h's store with a fake resolver and an outbox, emitting
// to h's recorder; opts, if not nil, changes its options.
type domainWorld struct {
	svc      *organizations.Service
	resolver *fakeResolver
	outbox   *Outbox
}

func newDomainWorld(h *harness, opts func(*organizations.Options)) *domainWorld {
	w := &domainWorld{resolver: &fakeResolver{}, outbox: &Outbox{}}
	o := &organizations.Options{Now: h.clock.Now, Events: h.events.record, DomainResolver: w.resolver, Inviter: w.outbox}
	if opts != nil {
		opts(o)
	}
	w.svc = organizations.New(h.store, o)
	return w
}

// domainVisible reports why store does not show the change of the domain event e, or
// nil: the recorder's check that an event comes after its change.
func domainVisible(ctx context.Context, store organizations.Store, e organizations.Event) error {
	ds, ok := store.(organizations.DomainStore)
	if !ok {
		return nil
	}
	var want organizations.Domain
	switch e := e.(type) {
	case organizations.DomainAdded:
		want = e.Domain
	case organizations.DomainVerified:
		want = e.Domain
	case organizations.DomainUnverified:
		want = e.Domain
	case organizations.DomainUpdated:
		want = e.New
	case organizations.DomainRemoved:
		_, err := ds.Domain(ctx, e.Domain.OrganizationID, e.Domain.Name)
		if !errors.Is(err, organizations.ErrDomainNotFound) {
			return fmt.Errorf("domain still readable (err %v)", err)
		}
		return nil
	}
	got, err := ds.Domain(ctx, want.OrganizationID, want.Name)
	if err == nil && (got.ID != want.ID || !got.UpdatedAt.Equal(want.UpdatedAt) || got.Verified() != want.Verified() ||
		got.Enrollment != want.Enrollment) {
		err = fmt.Errorf("stored domain %+v, event has %+v", got, want)
	}
	return err
}

// verifiedDomain adds name to org with mode and verifies it by affiliation, dropping
// the events.
func (w *domainWorld) verifiedDomain(h *harness, org uuid.UUID, name string, mode organizations.DomainEnrollment) organizations.Domain {
	h.t.Helper()
	_, err := w.svc.AddDomain(h.ctx, org, name, &organizations.DomainOptions{Enrollment: mode})
	require.NoError(h.t, err)
	d, err := w.svc.VerifyDomainByAffiliation(h.ctx, org, name, "someone@"+name)
	require.NoError(h.t, err)
	h.events.take()
	return d
}

func testDomainAddListRemove(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	d, err := w.svc.AddDomain(h.ctx, org.ID, "  ACME.com. ", nil)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, d.ID)
	require.Equal(t, organizations.Domain{
		ID: d.ID, OrganizationID: org.ID, Name: "acme.com", Enrollment: organizations.EnrollmentManual, Token: d.Token,
		CreatedAt: h.now(), UpdatedAt: h.now(),
	}, d)
	require.True(t, strings.HasPrefix(d.Token, "organizations-verification="), d.Token)
	require.False(t, d.Verified())
	require.Equal(t, "_organizations-verification.acme.com", d.TXTName())
	h.requireEvents(organizations.DomainAdded{Domain: d})
	got, err := w.svc.Domain(h.ctx, org.ID, "Acme.COM")
	require.NoError(t, err)
	require.Equal(t, d, got)

	_, err = w.svc.AddDomain(h.ctx, org.ID, "acme.com", nil)
	require.ErrorIs(t, err, organizations.ErrDomainExists)
	h.requireNoEvents()

	other := h.createOrg("zed", "Other", nil)
	d2, err := w.svc.AddDomain(h.ctx, other.ID, "acme.com", nil)
	require.NoError(t, err, "another organization may add the name too, unverified")
	require.NotEqual(t, d.Token, d2.Token, "each claim has its own token")
	h.events.take()

	e1, err := w.svc.AddDomain(h.ctx, org.ID, "acme.io", &organizations.DomainOptions{Enrollment: organizations.EnrollmentAutomaticSuggestion})
	require.NoError(t, err)
	require.Equal(t, organizations.EnrollmentAutomaticSuggestion, e1.Enrollment)
	e2, err := w.svc.AddDomain(h.ctx, org.ID, "xn--bcher-kva.example", nil)
	require.NoError(t, err, "punycode is ASCII")
	h.events.take()
	all := allPages(t, "Domains", 2, func(opts organizations.ListOptions) (organizations.Page[organizations.Domain], error) {
		return w.svc.Domains(h.ctx, org.ID, opts)
	})
	require.Equal(t, []organizations.Domain{d, e1, e2}, all, "in the order they were added")

	require.NoError(t, w.svc.RemoveDomain(h.ctx, org.ID, "acme.io"))
	h.requireEvents(organizations.DomainRemoved{Domain: e1})
	_, err = w.svc.Domain(h.ctx, org.ID, "acme.io")
	require.ErrorIs(t, err, organizations.ErrDomainNotFound)
	require.ErrorIs(t, w.svc.RemoveDomain(h.ctx, org.ID, "acme.io"), organizations.ErrDomainNotFound)
	h.requireNoEvents()

	require.NoError(t, w.svc.DeleteOrganization(h.ctx, org.ID))
	h.events.take()
	_, err = w.svc.Domain(h.ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "deleting the organization deletes its domains")
	p, err := w.svc.Domains(h.ctx, other.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []organizations.Domain{d2}, p.Items, "and nothing else")
}

func testDomainBadInput(t *testing.T, h *harness) {
	w := newDomainWorld(h, func(o *organizations.Options) { o.PublicMailDomains = []string{"Mail.Example.ORG."} })
	org := h.staffedOrg("Acme", nil)
	ctx := h.ctx
	for _, name := range []string{"", " ", "acme", "acme..com", ".acme.com", "-acme.com", "acme-.com", "ac_me.com",
		"acme.com/x", "1.2.3.4", "bücher.example", "acme.123", "\xff.com", strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefghi.", 26) + "com"} {
		_, err := w.svc.AddDomain(ctx, org.ID, name, nil)
		require.ErrorIs(t, err, organizations.ErrInvalidDomain, "%q", name)
	}
	for _, name := range []string{"gmail.com", "GMAIL.com.", "outlook.com", "proton.me", "mail.example.org"} {
		_, err := w.svc.AddDomain(ctx, org.ID, name, nil)
		require.ErrorIs(t, err, organizations.ErrPublicMailDomain, "%q", name)
	}
	_, err := w.svc.AddDomain(ctx, org.ID, "acme.com", &organizations.DomainOptions{Enrollment: "auto"})
	require.ErrorIs(t, err, organizations.ErrInvalidEnrollment)
	_, err = w.svc.AddDomain(ctx, uuid.Nil, "acme.com", nil)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = w.svc.AddDomain(ctx, uuid.New(), "acme.com", nil)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = w.svc.As("").AddDomain(ctx, org.ID, "acme.com", nil)
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = w.svc.Domains(ctx, uuid.New(), organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = w.svc.Domains(ctx, org.ID, organizations.ListOptions{After: "garbage"})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = w.svc.Domain(ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainNotFound)
	_, err = w.svc.VerifyDomain(ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainNotFound)
	_, err = w.svc.SetDomainEnrollment(ctx, org.ID, "acme.com", organizations.EnrollmentManual)
	require.ErrorIs(t, err, organizations.ErrDomainNotFound)
	_, err = w.svc.UnverifyDomain(ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainNotFound)
	_, err = w.svc.Enrollments(ctx, "", "a@acme.com")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = w.svc.Enrollments(ctx, "ann", "not an address")
	require.ErrorIs(t, err, organizations.ErrInvalidEmail)
	_, err = w.svc.RequestToJoinByDomain(ctx, org.ID, "ann", "a@", "")
	require.ErrorIs(t, err, organizations.ErrInvalidEmail)
	h.requireNoEvents()
	p, err := w.svc.Domains(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, p.Items, "nothing was stored")
	require.Equal(t, 0, w.resolver.lookupCount(), "no lookup for a call refused on its input")

	d, err := w.svc.AddDomain(ctx, org.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.SetDomainEnrollment(ctx, org.ID, "acme.com", "everyone")
	require.ErrorIs(t, err, organizations.ErrInvalidEnrollment)
	got, err := w.svc.Domain(ctx, org.ID, "acme.com")
	require.NoError(t, err)
	require.Equal(t, d, got)
	h.requireNoEvents()
}

func testDomainVerifyDNS(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	d, err := w.svc.AddDomain(h.ctx, org.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()

	_, err = w.svc.As("admin").VerifyDomain(h.ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed, "no record")
	require.Equal(t, []string{"_organizations-verification.acme.com"}, w.resolver.lookups)
	w.resolver.publish(d, "someone-else=%s") // not the token itself
	w.resolver.records[d.TXTName()] = append(w.resolver.records[d.TXTName()], "v=spf1 -all")
	_, err = w.svc.As("admin").VerifyDomain(h.ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed, "other records")
	down := errors.New("resolver down")
	w.resolver.err = down
	_, err = w.svc.As("admin").VerifyDomain(h.ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	require.ErrorIs(t, err, down, "the resolver's error is kept")
	w.resolver.err = nil
	h.requireNoEvents()
	got, err := w.svc.Domain(h.ctx, org.ID, "acme.com")
	require.NoError(t, err)
	require.False(t, got.Verified())

	w.resolver.publish(d, "  %s  ")
	h.clock.Advance(time.Minute)
	v, err := w.svc.As("admin").VerifyDomain(h.ctx, org.ID, "acme.com")
	require.NoError(t, err)
	want := d
	want.VerifiedAt, want.Verification, want.VerifiedBy, want.UpdatedAt = h.now(), organizations.DomainVerificationDNS, "admin", h.now()
	require.Equal(t, want, v)
	h.requireEvents(organizations.DomainVerified{Domain: want, Actor: "admin"})
	got, err = w.svc.Domain(h.ctx, org.ID, "acme.com")
	require.NoError(t, err)
	require.Equal(t, want, got)

	h.clock.Advance(time.Minute)
	again, err := w.svc.VerifyDomain(h.ctx, org.ID, "acme.com")
	require.NoError(t, err, "verifying again refreshes the verification")
	require.Equal(t, h.now(), again.VerifiedAt)
	require.Empty(t, again.VerifiedBy, "an unchecked call has no actor")
	h.requireEvents(organizations.DomainVerified{Domain: again})

	// A domain removed and added again has a new token: the old record proves nothing.
	require.NoError(t, w.svc.RemoveDomain(h.ctx, org.ID, "acme.com"))
	_, err = w.svc.AddDomain(h.ctx, org.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.VerifyDomain(h.ctx, org.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	h.requireNoEvents()

	// The store checks the token it is given against the domain's.
	ds := h.store.(organizations.DomainStore)
	_, err = ds.VerifyDomain(h.ctx, organizations.VerifyDomainParams{
		OrganizationID: org.ID, Name: "acme.com", Verification: organizations.DomainVerificationDNS, Token: d.Token, Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed, "a stale token")
}

func testDomainVerifyAffiliation(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	d, err := w.svc.AddDomain(h.ctx, org.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	for _, email := range []string{"admin@eu.acme.com", "admin@acme.co", "admin@gmail.com", "admin@xacme.com"} {
		_, err := w.svc.As("admin").VerifyDomainByAffiliation(h.ctx, org.ID, "acme.com", email)
		require.ErrorIs(t, err, organizations.ErrDomainEmailMismatch, email)
	}
	_, err = w.svc.As("admin").VerifyDomainByAffiliation(h.ctx, org.ID, "acme.com", "no address")
	require.ErrorIs(t, err, organizations.ErrInvalidEmail)
	_, err = w.svc.As("bob").VerifyDomainByAffiliation(h.ctx, org.ID, "acme.com", "bob@acme.com")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a member at the domain may not vouch")
	h.requireNoEvents()

	v, err := w.svc.As("admin").VerifyDomainByAffiliation(h.ctx, org.ID, "acme.com", " Admin@ACME.com ")
	require.NoError(t, err)
	want := d
	want.VerifiedAt, want.Verification, want.VerifiedBy, want.UpdatedAt = h.now(), organizations.DomainVerificationAffiliation, "admin", h.now()
	require.Equal(t, want, v)
	h.requireEvents(organizations.DomainVerified{Domain: want, Actor: "admin"})
	require.Equal(t, 0, w.resolver.lookupCount(), "affiliation asks no DNS")
}

func testDomainOneOrganization(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	a := h.staffedOrg("A", nil)
	b := h.createOrg("zed", "B", nil)
	w.verifiedDomain(h, a.ID, "acme.com", organizations.EnrollmentManual)
	db, err := w.svc.AddDomain(h.ctx, b.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, b.ID, "acme.com", "zed@acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainTaken)
	w.resolver.publish(db, "%s")
	_, err = w.svc.VerifyDomain(h.ctx, b.ID, "acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainTaken, "a DNS proof does not take a verified name either")
	h.requireNoEvents()

	// Unverified, the name is free.
	_, err = w.svc.As("admin").UnverifyDomain(h.ctx, a.ID, "acme.com")
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.VerifyDomain(h.ctx, b.ID, "acme.com")
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, a.ID, "acme.com", "ann@acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainTaken)

	// Deleting the holder frees it too.
	require.NoError(t, w.svc.DeleteOrganization(h.ctx, b.ID))
	h.events.take()
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, a.ID, "acme.com", "ann@acme.com")
	require.NoError(t, err)
	h.events.take()

	// Removing the verified domain frees it as well.
	c := h.createOrg("cat", "C", nil)
	_, err = w.svc.AddDomain(h.ctx, c.ID, "acme.com", nil)
	require.NoError(t, err)
	require.NoError(t, w.svc.RemoveDomain(h.ctx, a.ID, "acme.com"))
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, c.ID, "acme.com", "cat@acme.com")
	require.NoError(t, err)
}

func testDomainSubdomains(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	a := h.staffedOrg("A", nil)
	b := h.createOrg("zed", "B", nil)
	w.verifiedDomain(h, a.ID, "acme.com", organizations.EnrollmentAutomaticSuggestion)
	w.verifiedDomain(h, b.ID, "eu.acme.com", organizations.EnrollmentAutomaticSuggestion)

	en, err := w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	require.Equal(t, a.ID, en[0].Organization.ID)
	en, err = w.svc.Enrollments(h.ctx, "eve", "eve@eu.acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	require.Equal(t, b.ID, en[0].Organization.ID, "eu.acme.com is its own domain")
	en, err = w.svc.Enrollments(h.ctx, "max", "max@fr.acme.com")
	require.NoError(t, err)
	require.Empty(t, en, "acme.com does not cover its subdomains")
	_, err = w.svc.RequestToJoinByDomain(h.ctx, a.ID, "max", "max@fr.acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed)
	_, err = w.svc.RequestToJoinByDomain(h.ctx, a.ID, "eve", "eve@eu.acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed, "nor its subdomain's users")
	h.requireNoEvents()
}

func testDomainReverification(t *testing.T, h *harness) {
	w := newDomainWorld(h, func(o *organizations.Options) { o.DomainVerificationMaxAge = 24 * time.Hour })
	a := h.staffedOrg("A", nil)
	b := h.createOrg("zed", "B", nil)
	w.verifiedDomain(h, a.ID, "acme.com", organizations.EnrollmentAutomaticSuggestion)

	// UnverifyDomain: enrolls no one until verified again.
	h.clock.Advance(time.Minute)
	u, err := w.svc.As("admin").UnverifyDomain(h.ctx, a.ID, "acme.com")
	require.NoError(t, err)
	require.False(t, u.Verified())
	require.Empty(t, u.Verification)
	require.Equal(t, h.now(), u.UpdatedAt)
	h.requireEvents(organizations.DomainUnverified{Domain: u, Actor: "admin"})
	_, err = w.svc.UnverifyDomain(h.ctx, a.ID, "acme.com")
	require.NoError(t, err)
	h.requireNoEvents()
	en, err := w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Empty(t, en)
	_, err = w.svc.RequestToJoinByDomain(h.ctx, a.ID, "ann", "ann@acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed)

	// Verified again, then lapsed by age.
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, a.ID, "acme.com", "admin@acme.com")
	require.NoError(t, err)
	h.events.take()
	h.clock.Advance(23 * time.Hour)
	en, err = w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1, "within the maximum age")
	h.clock.Advance(2 * time.Hour)
	en, err = w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Empty(t, en, "lapsed: it enrolls no one")
	_, err = w.svc.RequestToJoinByDomain(h.ctx, a.ID, "ann", "ann@acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed)
	lapsed, err := w.svc.Domain(h.ctx, a.ID, "acme.com")
	require.NoError(t, err)
	require.True(t, lapsed.Verified(), "lapsing is a matter of time, not a change")
	require.False(t, lapsed.VerifiedSince(h.now().Add(-24*time.Hour)))
	h.requireNoEvents()

	// Another organization's verification releases the lapsed claim, in its step.
	_, err = w.svc.AddDomain(h.ctx, b.ID, "acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	vb, err := w.svc.VerifyDomainByAffiliation(h.ctx, b.ID, "acme.com", "zed@acme.com")
	require.NoError(t, err)
	released := lapsed
	released.VerifiedAt, released.Verification, released.VerifiedBy, released.UpdatedAt = time.Time{}, "", "", h.now()
	h.requireEvents(organizations.DomainUnverified{Domain: released}, organizations.DomainVerified{Domain: vb})
	got, err := w.svc.Domain(h.ctx, a.ID, "acme.com")
	require.NoError(t, err)
	require.Equal(t, released, got)
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, a.ID, "acme.com", "admin@acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainTaken, "b's fresh verification holds it")

	// Renewed before its maximum age, a verification keeps holding the name.
	h.clock.Advance(20 * time.Hour)
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, b.ID, "acme.com", "zed@acme.com")
	require.NoError(t, err)
	h.clock.Advance(20 * time.Hour)
	_, err = w.svc.VerifyDomainByAffiliation(h.ctx, a.ID, "acme.com", "admin@acme.com")
	require.ErrorIs(t, err, organizations.ErrDomainTaken)
}

func testDomainActorChecked(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	ctx := h.ctx
	d, err := w.svc.AddDomain(ctx, org.ID, "acme.com", nil)
	require.NoError(t, err)
	w.resolver.publish(d, "%s")
	h.events.take()
	for _, who := range []organizations.UserID{"bob", "stranger"} {
		as := w.svc.As(who)
		_, err := as.AddDomain(ctx, org.ID, "acme.io", nil)
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, who)
		require.ErrorIs(t, as.RemoveDomain(ctx, org.ID, "acme.com"), organizations.ErrPermissionDenied, who)
		_, err = as.VerifyDomain(ctx, org.ID, "acme.com")
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, who)
		_, err = as.VerifyDomainByAffiliation(ctx, org.ID, "acme.com", "x@acme.com")
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, who)
		_, err = as.UnverifyDomain(ctx, org.ID, "acme.com")
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, who)
		_, err = as.SetDomainEnrollment(ctx, org.ID, "acme.com", organizations.EnrollmentAutomaticSuggestion)
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, who)
	}
	require.Equal(t, 0, w.resolver.lookupCount(), "no DNS lookup for an actor who may not verify")
	h.requireNoEvents()

	// The store decides on the actor's rights at the moment of the write.
	ds := h.store.(organizations.DomainStore)
	_, err = ds.VerifyDomain(ctx, organizations.VerifyDomainParams{
		Auth:           organizations.Authorization{Actor: "bob", Policy: w.svc.Policy()},
		OrganizationID: org.ID, Name: "acme.com", Verification: organizations.DomainVerificationDNS, Token: d.Token, Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the store checks too")

	e, err := w.svc.As("admin").AddDomain(ctx, org.ID, "acme.io", nil)
	require.NoError(t, err)
	h.requireEvents(organizations.DomainAdded{Domain: e, Actor: "admin"})
	h.clock.Advance(time.Minute)
	after, err := w.svc.As("admin").SetDomainEnrollment(ctx, org.ID, "acme.io", organizations.EnrollmentAutomaticInvitation)
	require.NoError(t, err)
	require.Equal(t, organizations.EnrollmentAutomaticInvitation, after.Enrollment)
	require.Equal(t, h.now(), after.UpdatedAt)
	h.requireEvents(organizations.DomainUpdated{Old: e, New: after, Actor: "admin"})
	_, err = w.svc.As("admin").SetDomainEnrollment(ctx, org.ID, "acme.io", organizations.EnrollmentAutomaticInvitation)
	require.NoError(t, err)
	h.requireNoEvents()

	_, err = w.svc.SetRole(ctx, org.ID, "admin", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	require.ErrorIs(t, w.svc.As("admin").RemoveDomain(ctx, org.ID, "acme.io"), organizations.ErrPermissionDenied, "demoted")
	v, err := w.svc.As("owner").VerifyDomain(ctx, org.ID, "acme.com")
	require.NoError(t, err, "the owner holds every permission")
	require.Equal(t, organizations.UserID("owner"), v.VerifiedBy)
	h.requireEvents(organizations.DomainVerified{Domain: v, Actor: "owner"})
	require.NoError(t, w.svc.As("owner").RemoveDomain(ctx, org.ID, "acme.io"))
	h.requireEvents(organizations.DomainRemoved{Domain: after, Actor: "owner"})
}

func testDomainAutoInvitation(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	d := w.verifiedDomain(h, org.ID, "acme.com", organizations.EnrollmentAutomaticInvitation)
	ctx := h.ctx

	en, err := w.svc.Enrollments(ctx, "ann", " Ann@ACME.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	e := en[0]
	requireSameOrg(t, h.org(org.ID), e.Organization)
	require.Equal(t, d, e.Domain)
	require.Nil(t, e.JoinRequest)
	require.NotNil(t, e.Invitation)
	inv := *e.Invitation
	require.Equal(t, organizations.Invitation{
		ID: inv.ID, OrganizationID: org.ID, Email: "ann@acme.com", Role: organizations.RoleMember, InvitedBy: "owner",
		Status: organizations.InvitationStatusPending, CreatedAt: h.now(), ExpiresAt: h.now().Add(organizations.DefaultInvitationTTL),
	}, inv)
	require.Len(t, e.Token, organizations.TokenLength)
	h.requireEvents(organizations.InvitationCreated{Invitation: inv})
	require.Empty(t, w.outbox.TakeInvitations(), "the token goes to the caller, not through the Inviter")
	pending, err := w.svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	requireSameInvitations(t, []organizations.Invitation{inv}, pending.Items)

	// Every call renews the token of the invitation Enrollments made: the latest works.
	h.clock.Advance(time.Minute)
	en, err = w.svc.Enrollments(ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	require.Equal(t, inv, *en[0].Invitation, "the same invitation")
	require.NotEqual(t, e.Token, en[0].Token)
	h.requireNoEvents()
	_, err = w.svc.AcceptInvitation(ctx, e.Token, "ann", "ann@acme.com")
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the older token no longer works")
	_, err = w.svc.AcceptInvitation(ctx, en[0].Token, "mallory", "mallory@acme.com")
	require.ErrorIs(t, err, organizations.ErrInvitationEmailMismatch, "bound to the address")
	m, err := w.svc.AcceptInvitation(ctx, en[0].Token, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Equal(t, organizations.RoleMember, m.Role)
	h.events.take()
	en, err = w.svc.Enrollments(ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Empty(t, en, "nothing applies to a member")
	h.requireNoEvents()

	// An admin's invitation is returned as it is, without a token: its link went out.
	sent, err := w.svc.As("admin").Invite(ctx, org.ID, "cat@acme.com", nil)
	require.NoError(t, err)
	h.events.take()
	en, err = w.svc.Enrollments(ctx, "cat", "cat@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	requireSameInvitation(t, sent, *en[0].Invitation)
	require.Empty(t, en[0].Token)
	tok, ok := w.outbox.InvitationToken("cat@acme.com")
	require.True(t, ok)
	_, err = w.svc.AcceptInvitation(ctx, tok, "cat", "cat@acme.com")
	require.NoError(t, err, "the emailed link still works")
	h.events.take()

	// An expired one is replaced by a new one.
	en, err = w.svc.Enrollments(ctx, "dan", "dan@acme.com")
	require.NoError(t, err)
	first := *en[0].Invitation
	h.events.take()
	h.clock.Advance(organizations.DefaultInvitationTTL)
	en, err = w.svc.Enrollments(ctx, "dan", "dan@acme.com")
	require.NoError(t, err)
	require.NotEqual(t, first.ID, en[0].Invitation.ID)
	h.requireEvents(organizations.InvitationCreated{Invitation: *en[0].Invitation})
	_, err = w.svc.AcceptInvitation(ctx, en[0].Token, "dan", "dan@acme.com")
	require.NoError(t, err)

	// The invitation's inviter is the owner, whose rights AcceptInvitation checks: after
	// a change of owner the next call makes the new owner its inviter.
	en, err = w.svc.Enrollments(ctx, "eve", "eve@acme.com")
	require.NoError(t, err)
	h.events.take()
	require.NoError(t, w.svc.ChangeOwner(ctx, org.ID, "admin"))
	require.NoError(t, w.svc.RemoveUser(ctx, org.ID, "owner"))
	h.events.take()
	_, err = w.svc.AcceptInvitation(ctx, en[0].Token, "eve", "eve@acme.com")
	require.ErrorIs(t, err, organizations.ErrInviterNotAllowed)
	en, err = w.svc.Enrollments(ctx, "eve", "eve@acme.com")
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("admin"), en[0].Invitation.InvitedBy)
	_, err = w.svc.AcceptInvitation(ctx, en[0].Token, "eve", "eve@acme.com")
	require.NoError(t, err)
}

func testDomainAutoInvitationSeats(t *testing.T, h *harness) {
	if !seatStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface organizations.SeatStore")
	}
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", &organizations.CreateOptions{MaxMembers: limit(4)}) // one seat left
	w.verifiedDomain(h, org.ID, "acme.com", organizations.EnrollmentAutomaticInvitation)
	en, err := w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.NotNil(t, en[0].Invitation, "the last seat")
	h.events.take()
	en, err = w.svc.Enrollments(h.ctx, "cat", "cat@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1, "the organization is still offered")
	require.Nil(t, en[0].Invitation, "but no seat is left for an invitation")
	require.Empty(t, en[0].Token)
	h.requireNoEvents()
	require.Equal(t, 1, h.seats(org.ID).PendingInvitations)
}

func testDomainSuggestion(t *testing.T, h *harness) {
	w := newDomainWorld(h, nil)
	org := h.staffedOrg("Acme", nil)
	d := w.verifiedDomain(h, org.ID, "acme.com", organizations.EnrollmentAutomaticSuggestion)
	ctx := h.ctx
	_, err := w.svc.RequestToJoin(ctx, org.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed, "the organization takes no requests from anyone")

	en, err := w.svc.Enrollments(ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Len(t, en, 1)
	require.Equal(t, org.ID, en[0].Organization.ID)
	require.Equal(t, d, en[0].Domain)
	require.Nil(t, en[0].Invitation)
	require.Nil(t, en[0].JoinRequest)
	h.requireNoEvents()
	pending, err := w.svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, pending.Items, "a suggestion makes nothing")

	_, err = w.svc.RequestToJoinByDomain(ctx, org.ID, "ann", "ann@other.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed, "an address elsewhere")
	r, err := w.svc.RequestToJoinByDomain(ctx, org.ID, "ann", "ann@acme.com", "hi")
	require.NoError(t, err)
	require.Equal(t, organizations.JoinRequestStatusPending, r.Status)
	require.Equal(t, "hi", r.Message)
	h.requireEvents(organizations.JoinRequested{Request: r, Actor: "ann"})
	_, err = w.svc.RequestToJoinByDomain(ctx, org.ID, "ann", "ann@acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestExists)
	_, err = w.svc.RequestToJoinByDomain(ctx, org.ID, "bob", "bob@acme.com", "")
	require.ErrorIs(t, err, organizations.ErrAlreadyMember)

	en, err = w.svc.Enrollments(ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Equal(t, &r, en[0].JoinRequest, "the open request is shown")

	_, err = w.svc.As("admin").ApproveJoinRequest(ctx, r.ID)
	require.NoError(t, err)
	h.events.take()
	en, err = w.svc.Enrollments(ctx, "ann", "ann@acme.com")
	require.NoError(t, err)
	require.Empty(t, en)

	// A change of mode closes the door to new requests, in the request's step.
	_, err = w.svc.SetDomainEnrollment(ctx, org.ID, "acme.com", organizations.EnrollmentManual)
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.RequestToJoinByDomain(ctx, org.ID, "cat", "cat@acme.com", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed)
	h.requireNoEvents()
}

func testDomainNothingApplies(t *testing.T, h *harness) {
	w := newDomainWorld(h, func(o *organizations.Options) { o.PublicMailDomains = []string{"corp-mail.example"} })
	org := h.staffedOrg("Acme", nil)
	_, err := w.svc.AddDomain(h.ctx, org.ID, "unverified.example", &organizations.DomainOptions{Enrollment: organizations.EnrollmentAutomaticInvitation})
	require.NoError(t, err)
	w.verifiedDomain(h, org.ID, "manual.example", organizations.EnrollmentManual)
	h.events.take()
	for _, email := range []string{"ann@unverified.example", "ann@manual.example", "ann@gmail.com", "ann@corp-mail.example",
		"ann@[127.0.0.1]", "ann@bücher.example", "ann@nowhere.example"} {
		en, err := w.svc.Enrollments(h.ctx, "ann", email)
		require.NoError(t, err, email)
		require.Empty(t, en, email)
		require.NotNil(t, en, "an empty slice, not nil")
	}
	en, err := w.svc.Enrollments(h.ctx, "bob", "bob@manual.example")
	require.NoError(t, err)
	require.Empty(t, en)
	h.requireNoEvents()
}

func testDomainEventLog(t *testing.T, h *harness) {
	ew := needEventWorld(t, h)
	res := &fakeResolver{}
	svc := organizations.New(h.store, &organizations.Options{Now: h.clock.Now, Events: ew.rec.Record, DomainResolver: res, DomainVerificationMaxAge: time.Hour})
	ctx := h.ctx
	a, err := svc.CreateOrganization(ctx, "ann", "A", nil)
	require.NoError(t, err)
	b, err := svc.CreateOrganization(ctx, "bob", "B", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, a.ID, "adm", organizations.RoleAdmin)
	require.NoError(t, err)
	d, err := svc.As("adm").AddDomain(ctx, a.ID, "acme.com", nil)
	require.NoError(t, err)
	res.publish(d, "%s")
	_, err = svc.As("adm").VerifyDomain(ctx, a.ID, "acme.com")
	require.NoError(t, err)
	_, err = svc.As("adm").SetDomainEnrollment(ctx, a.ID, "acme.com", organizations.EnrollmentAutomaticInvitation)
	require.NoError(t, err)
	_, err = svc.Enrollments(ctx, "cat", "cat@acme.com")
	require.NoError(t, err)
	_, err = svc.Enrollments(ctx, "cat", "cat@acme.com") // a renewal: no event
	require.NoError(t, err)
	_, err = svc.SetDomainEnrollment(ctx, a.ID, "acme.com", organizations.EnrollmentAutomaticSuggestion)
	require.NoError(t, err)
	_, err = svc.RequestToJoinByDomain(ctx, a.ID, "dan", "dan@acme.com", "")
	require.NoError(t, err)
	h.clock.Advance(2 * time.Hour) // a's verification lapses
	_, err = svc.As("bob").AddDomain(ctx, b.ID, "acme.com", nil)
	require.NoError(t, err)
	_, err = svc.As("bob").VerifyDomainByAffiliation(ctx, b.ID, "acme.com", "bob@acme.com")
	require.NoError(t, err)
	_, err = svc.As("bob").UnverifyDomain(ctx, b.ID, "acme.com")
	require.NoError(t, err)
	require.NoError(t, svc.As("adm").RemoveDomain(ctx, a.ID, "acme.com"))
	_, err = svc.As("adm").AddDomain(ctx, a.ID, "gmail.com", nil) // refused: no record
	require.Error(t, err)

	events := ew.rec.Take()
	require.Equal(t, []string{
		"organization_created", "organization_created", "user_added", "domain_added", "domain_verified", "domain_updated",
		"invitation_created", "domain_updated", "join_requested", "domain_added", "domain_unverified", "domain_verified",
		"domain_unverified", "domain_removed",
	}, eventNames(events))
	recs := feed(t, ctx, svc, 5, len(events))
	requireRecordsMatch(t, events, recs)
	for i, r := range recs {
		_, actor, subject := eventRecordMeta(events[i])
		require.Equal(t, actor, r.Actor, "record %d (%s)", i, r.Type)
		require.Equal(t, subject, r.Subject, "record %d (%s)", i, r.Type)
	}
	require.Equal(t, a.ID, recs[10].OrganizationID, "the released claim's record is its organization's")
	require.Empty(t, recs[10].Actor)

	// The audit log: domain events by type, newest first.
	types := []string{"domain_added", "domain_removed", "domain_verified", "domain_unverified", "domain_updated"}
	p, err := svc.AuditLog(ctx, organizations.AuditQuery{OrganizationID: a.ID, Types: types}, organizations.ListOptions{})
	require.NoError(t, err)
	var want []string
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].OrganizationID == a.ID && strings.HasPrefix(recs[i].Type, "domain_") {
			want = append(want, recs[i].Type)
		}
	}
	require.Equal(t, want, recordTypes(p.Items))
	p, err = svc.AuditLog(ctx, organizations.AuditQuery{Actor: "bob", Types: types}, organizations.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"domain_unverified", "domain_verified", "domain_added"}, recordTypes(p.Items))
}

// eventRecordMeta is the actor and subject an event's record carries.
func eventRecordMeta(e organizations.Event) (uuid.UUID, organizations.UserID, organizations.UserID) {
	switch e := e.(type) {
	case organizations.DomainAdded:
		return e.Domain.OrganizationID, e.Actor, ""
	case organizations.DomainRemoved:
		return e.Domain.OrganizationID, e.Actor, ""
	case organizations.DomainVerified:
		return e.Domain.OrganizationID, e.Actor, ""
	case organizations.DomainUnverified:
		return e.Domain.OrganizationID, e.Actor, ""
	case organizations.DomainUpdated:
		return e.New.OrganizationID, e.Actor, ""
	case organizations.InvitationCreated:
		return e.Invitation.OrganizationID, e.Actor, ""
	case organizations.JoinRequested:
		return e.Request.OrganizationID, e.Actor, e.Request.UserID
	case organizations.UserAdded:
		return e.OrganizationUser.OrganizationID, e.Actor, e.OrganizationUser.UserID
	case organizations.OrganizationCreated:
		return e.Organization.ID, e.Actor, e.Owner
	}
	return uuid.Nil, "", ""
}

// testDomainRaceVerify: organizations verifying one name at once, by DNS and by
// affiliation: exactly one holds it, the others get ErrDomainTaken.
func testDomainRaceVerify(t *testing.T, h *harness) {
	h.events.noVerify()
	w := newDomainWorld(h, nil)
	var orgs []uuid.UUID
	for i := range domainRace {
		orgs = append(orgs, h.createOrg(organizations.UserID(fmt.Sprint("owner", i)), fmt.Sprint("Org ", i), nil).ID)
	}
	for round := range domainRaceRounds {
		name := fmt.Sprintf("race%d.example", round)
		for _, org := range orgs {
			d, err := w.svc.AddDomain(h.ctx, org, name, nil)
			require.NoError(t, err)
			w.resolver.publish(d, "%s") // every organization's token is published
		}
		h.events.take()
		errs := parallel(domainRace, func(i int) error {
			if (i+round)%2 == 0 {
				return errOnly(w.svc.VerifyDomain(h.ctx, orgs[i], name))
			}
			return errOnly(w.svc.VerifyDomainByAffiliation(h.ctx, orgs[i], name, "it@"+name))
		})
		taken, ok := countErrors(errs, organizations.ErrDomainTaken)
		require.Equal(t, [2]int{domainRace - 1, 1}, [2]int{taken, ok}, "round %d: %v", round, errs)
		var holders []uuid.UUID
		for _, org := range orgs {
			d, err := w.svc.Domain(h.ctx, org, name)
			require.NoError(t, err)
			if d.Verified() {
				holders = append(holders, org)
			}
		}
		require.Len(t, holders, 1, "round %d: exactly one organization holds it", round)
		for i, err := range errs {
			if err == nil {
				require.Equal(t, orgs[i], holders[0])
			}
		}
		require.Len(t, h.events.take(), 1, "one DomainVerified")
	}
}

// testDomainRaceEnrollments: parallel sign-ins of one user make one invitation, whose
// latest token works; parallel sign-ins of users for the last seat make one.
func testDomainRaceEnrollments(t *testing.T, h *harness) {
	h.events.noVerify()
	w := newDomainWorld(h, nil)
	opts := &organizations.CreateOptions{}
	seats := seatStore.implemented(h.store)
	if seats {
		opts.MaxMembers = limit(4 + 1) // one seat for ann, one left
	}
	org := h.staffedOrg("Acme", opts)
	w.verifiedDomain(h, org.ID, "acme.com", organizations.EnrollmentAutomaticInvitation)

	var mu sync.Mutex
	var tokens []string
	errs := parallel(domainRace, func(int) error {
		en, err := w.svc.Enrollments(h.ctx, "ann", "ann@acme.com")
		if err == nil {
			mu.Lock()
			tokens = append(tokens, en[0].Token)
			mu.Unlock()
		}
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	pending, err := w.svc.PendingInvitations(h.ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, pending.Items, 1, "one invitation")
	require.Len(t, h.events.take(), 1, "one InvitationCreated")
	accepted := 0
	for _, tok := range tokens {
		if _, err := w.svc.AcceptInvitation(h.ctx, tok, "ann", "ann@acme.com"); err == nil {
			accepted++
		}
	}
	require.Equal(t, 1, accepted, "one token works: the latest")

	if !seats {
		return
	}
	h.events.take()
	errs = parallel(domainRace, func(i int) error {
		en, err := w.svc.Enrollments(h.ctx, organizations.UserID(fmt.Sprint("u", i)), fmt.Sprintf("u%d@acme.com", i))
		if err == nil && en[0].Invitation == nil {
			return organizations.ErrMemberLimit // none for this one
		}
		return err
	})
	full, ok := countErrors(errs, organizations.ErrMemberLimit)
	require.Equal(t, [2]int{domainRace - 1, 1}, [2]int{full, ok}, "%v", errs)
	st := h.seats(org.ID)
	require.Equal(t, st.Limit, st.Members+st.PendingInvitations, "the limit holds")
}
