package organizations_test

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Every DomainStore method is one statement on PostgreSQL, its refusals included:
// Enrollments, the sign-in call, answers (and makes or renews an invitation) in one
// round trip, whatever the mode.
func TestPostgresDomainStoreOneStatementPerCall(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	store, _ := newPostgresStoreWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter })
	ctx := t.Context()
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	now := organizations.Timestamp(time.Now())
	auth := organizations.Authorization{Actor: "owner", Policy: svc.Policy()}
	called := map[string]bool{}
	call := func(name string, f func() error, wantErr error) {
		t.Helper()
		before := counter.n.Load()
		err := f()
		if wantErr == nil {
			require.NoError(t, err, name)
		} else {
			require.ErrorIs(t, err, wantErr, name)
		}
		require.Equal(t, int64(1), counter.n.Load()-before, "statements sent by %s", name)
		called[name] = true
	}
	domain := func(name string) organizations.Domain {
		return organizations.Domain{
			ID: newID(t), OrganizationID: org.ID, Name: name, Enrollment: organizations.EnrollmentAutomaticInvitation,
			Token: "organizations-verification=x", CreatedAt: now, UpdatedAt: now,
		}
	}
	named := organizations.DomainParams{Auth: auth, OrganizationID: org.ID, Name: "acme.com", Now: now}

	call("AddDomain", func() error {
		_, err := store.AddDomain(ctx, organizations.AddDomainParams{Auth: auth, Domain: domain("acme.com")})
		return err
	}, nil)
	call("AddDomain", func() error {
		_, err := store.AddDomain(ctx, organizations.AddDomainParams{Auth: auth, Domain: domain("acme.com")})
		return err
	}, organizations.ErrDomainExists)
	call("Domain", func() error { _, err := store.Domain(ctx, org.ID, "acme.com"); return err }, nil)
	call("ListDomains", func() error {
		ds, err := store.ListDomains(ctx, organizations.ListDomainsParams{OrganizationID: org.ID, Limit: 10})
		require.Len(t, ds, 1)
		return err
	}, nil)
	verify := organizations.VerifyDomainParams{Auth: auth, OrganizationID: org.ID, Name: "acme.com",
		Verification: organizations.DomainVerificationDNS, Token: "organizations-verification=y", Now: now}
	call("VerifyDomain", func() error { _, err := store.VerifyDomain(ctx, verify); return err }, organizations.ErrDomainVerificationFailed)
	verify.Token = "organizations-verification=x"
	call("VerifyDomain", func() error { _, err := store.VerifyDomain(ctx, verify); return err }, nil)
	enroll := func(user organizations.UserID, email string) organizations.EnrollmentsParams {
		return organizations.EnrollmentsParams{
			UserID: user, Email: email, Domain: "acme.com", TokenHash: randomHash(t), Now: now,
			Invitation: organizations.Invitation{ID: newID(t), Email: email, Role: organizations.RoleMember,
				Status: organizations.InvitationStatusPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		}
	}
	call("Enrollments", func() error {
		res, err := store.Enrollments(ctx, enroll("ann", "ann@acme.com"))
		require.True(t, res[0].InvitationCreated)
		return err
	}, nil)
	call("Enrollments", func() error {
		res, err := store.Enrollments(ctx, enroll("ann", "ann@acme.com"))
		require.True(t, res[0].InvitationRenewed)
		return err
	}, nil)
	call("Enrollments", func() error {
		res, err := store.Enrollments(ctx, enroll("owner", "owner@acme.com"))
		require.Empty(t, res, "a member")
		return err
	}, nil)
	call("SetDomainEnrollment", func() error {
		_, _, err := store.SetDomainEnrollment(ctx, organizations.SetDomainEnrollmentParams{Auth: auth, OrganizationID: org.ID,
			Name: "acme.com", Enrollment: organizations.EnrollmentAutomaticSuggestion, Now: now})
		return err
	}, nil)
	call("CreateDomainJoinRequest", func() error {
		_, err := store.CreateDomainJoinRequest(ctx, organizations.CreateDomainJoinRequestParams{
			Request: organizations.JoinRequest{ID: newID(t), OrganizationID: org.ID, UserID: "bob", Status: organizations.JoinRequestStatusPending,
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			Email: "bob@acme.com", Domain: "acme.com", Now: now,
		})
		return err
	}, nil)
	call("UnverifyDomain", func() error { _, _, err := store.UnverifyDomain(ctx, named); return err }, nil)
	call("RemoveDomain", func() error { _, err := store.RemoveDomain(ctx, named); return err }, nil)
	call("RemoveDomain", func() error { _, err := store.RemoveDomain(ctx, named); return err }, organizations.ErrDomainNotFound)

	var missed []string
	iface := reflect.TypeFor[organizations.DomainStore]()
	for i := range iface.NumMethod() {
		if name := iface.Method(i).Name; !called[name] {
			missed = append(missed, name)
		}
	}
	sort.Strings(missed)
	require.Empty(t, missed, "DomainStore methods this test does not count")
}
