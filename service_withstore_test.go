package organizations_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// withStoreRegistrar is a Registrar that hands out one user per email.
type withStoreRegistrar struct{ registered []string }

func (r *withStoreRegistrar) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	r.registered = append(r.registered, email)
	return organizations.UserID("user-" + email), nil
}

func (r *withStoreRegistrar) ActivateUser(context.Context, organizations.UserID) error { return nil }

// A Service on another store (as for a host's transaction) keeps every option of the
// Service it came from, and leaves that Service on its own store.
func TestServiceWithStoreKeepsOptions(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []uuid.UUID
	var events []organizations.Event
	var invitations []organizations.InvitationMessage
	var activations []organizations.ActivationMessage
	var lookups []string
	registrar := &withStoreRegistrar{}
	opts := &organizations.Options{
		Now: func() time.Time { return now },
		NewID: func() uuid.UUID {
			id := uuid.Must(uuid.NewV7())
			ids = append(ids, id)
			return id
		},
		Events: func(_ context.Context, e organizations.Event) { events = append(events, e) },
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			invitations = append(invitations, m)
			return nil
		}),
		InvitationTTL: time.Hour,
		Registrar:     registrar,
		Activator: organizations.ActivatorFunc(func(_ context.Context, m organizations.ActivationMessage) error {
			activations = append(activations, m)
			return nil
		}),
		ActivationTTL: 2 * time.Hour,
		Policy: organizations.MustPolicy(
			organizations.RoleDefinition{Name: organizations.RoleMember},
			organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
				Permissions: organizations.LibraryPermissions()},
			organizations.RoleDefinition{Name: "viewer"},
		),
		DefaultMaxMembers:     50,
		TransferTTL:           time.Hour,
		MaxOwnedOrganizations: 3,
		JoinRequestTTL:        time.Hour,
		MaxTeams:              1,
		MaxTeamMembers:        1,
		DomainResolver: organizations.TXTResolverFunc(func(_ context.Context, name string) ([]string, error) {
			lookups = append(lookups, name)
			return nil, nil
		}),
		PublicMailDomains:        []string{"mail.example"},
		DomainVerificationMaxAge: time.Hour,
	}
	v := reflect.ValueOf(*opts)
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "this test sets every option: %s is new", v.Type().Field(i).Name)
	}

	first, second := organizations.NewMemoryStore(), organizations.NewMemoryStore()
	svc := organizations.New(first, opts)
	other := svc.WithStore(second)
	require.Same(t, organizations.Store(second), other.Store())
	require.Same(t, organizations.Store(first), svc.Store(), "the original Service keeps its store")

	org, err := other.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	require.Contains(t, ids, org.ID, "NewID")
	require.Equal(t, now, org.CreatedAt, "Now")
	require.Len(t, events, 1, "Events")
	_, err = second.Organization(ctx, org.ID)
	require.NoError(t, err, "stored in the new store")
	_, err = first.Organization(ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "not in the old one")

	inv, err := other.Invite(ctx, "owner", org.ID, "ann@example.com", nil)
	require.NoError(t, err)
	require.Len(t, invitations, 1, "Inviter")
	require.Equal(t, now.Add(time.Hour), inv.ExpiresAt, "InvitationTTL")

	require.Same(t, opts.Policy, other.Policy(), "Policy")
	_, err = other.AddUser(ctx, org.ID, "vic", "viewer")
	require.NoError(t, err, "a role only Policy declares")

	_, err = other.Register(ctx, "bob@example.com", "Bob's")
	require.NoError(t, err)
	require.Equal(t, []string{"bob@example.com"}, registrar.registered, "Registrar")
	require.Len(t, activations, 1, "Activator")
	require.Equal(t, now.Add(2*time.Hour), activations[0].Activation.ExpiresAt, "ActivationTTL")

	team, err := other.CreateTeam(ctx, org.ID, "Docs", nil)
	require.NoError(t, err)
	_, err = other.CreateTeam(ctx, org.ID, "Site", nil)
	require.ErrorIs(t, err, organizations.ErrTeamLimit, "MaxTeams")
	_, err = other.AddTeamMember(ctx, org.ID, team.ID, "owner", "")
	require.NoError(t, err)
	_, err = other.AddTeamMember(ctx, org.ID, team.ID, "vic", "")
	require.ErrorIs(t, err, organizations.ErrTeamMemberLimit, "MaxTeamMembers")
	_, err = other.AddDomain(ctx, org.ID, "mail.example", nil)
	require.ErrorIs(t, err, organizations.ErrPublicMailDomain, "PublicMailDomains")
	_, err = other.AddDomain(ctx, org.ID, "acme.example", nil)
	require.NoError(t, err)
	_, err = other.VerifyDomain(ctx, org.ID, "acme.example")
	require.ErrorIs(t, err, organizations.ErrDomainVerificationFailed)
	require.Equal(t, []string{"_organizations-verification.acme.example"}, lookups, "DomainResolver")
	_, err = other.VerifyDomainByAffiliation(ctx, org.ID, "acme.example", "owner@acme.example")
	require.NoError(t, err)
	now = now.Add(2 * time.Hour)
	en, err := other.Enrollments(ctx, "zed", "zed@acme.example")
	require.NoError(t, err)
	require.Empty(t, en, "DomainVerificationMaxAge")

	// A nil store means a new, empty memory store, as in New.
	empty := svc.WithStore(nil)
	require.NotNil(t, empty.Store())
	_, err = empty.Organization(ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}
