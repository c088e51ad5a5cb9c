package organizationstest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// The canon functions put values in one comparable form. Times must already be UTC
// microseconds (requireStamp checks that); JSON documents are compared by meaning, since a
// store may keep them in a normalised form (PostgreSQL's jsonb reorders keys and spacing).

func canonJSON(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func canonTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func canonOrg(o organizations.Organization) organizations.Organization {
	o.Data, o.Settings = canonJSON(o.Data), canonJSON(o.Settings)
	o.CreatedAt, o.UpdatedAt = canonTime(o.CreatedAt), canonTime(o.UpdatedAt)
	return o
}

func canonMember(m organizations.OrganizationUser) organizations.OrganizationUser {
	m.CreatedAt, m.UpdatedAt = canonTime(m.CreatedAt), canonTime(m.UpdatedAt)
	return m
}

func canonOwner(o organizations.OrganizationOwner) organizations.OrganizationOwner {
	o.OrganizationUser = canonMember(o.OrganizationUser)
	o.Since = canonTime(o.Since)
	return o
}

func canonInvitation(inv organizations.Invitation) organizations.Invitation {
	inv.CreatedAt, inv.ExpiresAt = canonTime(inv.CreatedAt), canonTime(inv.ExpiresAt)
	inv.RespondedAt = canonTime(inv.RespondedAt)
	return inv
}

func canonActivation(a organizations.Activation) organizations.Activation {
	a.CreatedAt, a.ExpiresAt, a.UsedAt = canonTime(a.CreatedAt), canonTime(a.ExpiresAt), canonTime(a.UsedAt)
	return a
}

func canonEvent(e organizations.Event) organizations.Event {
	switch e := e.(type) {
	case organizations.OrganizationCreated:
		e.Organization = canonOrg(e.Organization)
		return e
	case organizations.OrganizationUpdated:
		e.Organization = canonOrg(e.Organization)
		return e
	case organizations.OrganizationDeleted:
		e.Organization = canonOrg(e.Organization)
		return e
	case organizations.UserAdded:
		e.OrganizationUser = canonMember(e.OrganizationUser)
		return e
	case organizations.UserRemoved:
		e.OrganizationUser = canonMember(e.OrganizationUser)
		return e
	case organizations.RoleChanged:
		e.Old, e.New = canonMember(e.Old), canonMember(e.New)
		return e
	case organizations.OwnerChanged:
		e.Old, e.New = canonMember(e.Old), canonMember(e.New)
		return e
	}
	return e
}

// requireStamp asserts that every time is in the form stores keep: UTC, whole
// microseconds. The zero time (an unset RespondedAt or UsedAt) passes.
func requireStamp(t *testing.T, times ...time.Time) {
	t.Helper()
	for i, ts := range times {
		if ts.IsZero() {
			continue
		}
		require.Equal(t, time.UTC, ts.Location(), "time %d (%v) is not in UTC", i, ts)
		require.Zero(t, ts.Nanosecond()%1000, "time %d (%v) has sub-microsecond digits", i, ts)
	}
}

// requireSameEach asserts that got has as many elements as want, each the same as
// want's by same (requireSameOrg, requireSameMember, ...).
func requireSameEach[T any](t *testing.T, same func(*testing.T, T, T, ...any), want, got []T, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want), msgAndArgs...)
	for i := range want {
		same(t, want[i], got[i], msgAndArgs...)
	}
}

func requireSameOrg(t *testing.T, want, got organizations.Organization, msgAndArgs ...any) {
	t.Helper()
	requireStamp(t, got.CreatedAt, got.UpdatedAt)
	require.Equal(t, canonOrg(want), canonOrg(got), msgAndArgs...)
}

func requireSameOrgs(t *testing.T, want, got []organizations.Organization, msgAndArgs ...any) {
	t.Helper()
	requireSameEach(t, requireSameOrg, want, got, msgAndArgs...)
}

func requireSameMember(t *testing.T, want, got organizations.OrganizationUser, msgAndArgs ...any) {
	t.Helper()
	requireStamp(t, got.CreatedAt, got.UpdatedAt)
	require.Equal(t, canonMember(want), canonMember(got), msgAndArgs...)
}

func requireSameMembers(t *testing.T, want, got []organizations.OrganizationUser, msgAndArgs ...any) {
	t.Helper()
	requireSameEach(t, requireSameMember, want, got, msgAndArgs...)
}

func requireSameOwner(t *testing.T, want, got organizations.OrganizationOwner, msgAndArgs ...any) {
	t.Helper()
	requireStamp(t, got.Since, got.OrganizationUser.CreatedAt, got.OrganizationUser.UpdatedAt)
	require.Equal(t, canonOwner(want), canonOwner(got), msgAndArgs...)
}

func requireSameInvitation(t *testing.T, want, got organizations.Invitation, msgAndArgs ...any) {
	t.Helper()
	requireStamp(t, got.CreatedAt, got.ExpiresAt, got.RespondedAt)
	require.Equal(t, canonInvitation(want), canonInvitation(got), msgAndArgs...)
}

func requireSameInvitations(t *testing.T, want, got []organizations.Invitation, msgAndArgs ...any) {
	t.Helper()
	requireSameEach(t, requireSameInvitation, want, got, msgAndArgs...)
}

// requireSameDetails asserts that got is the invitation want with org, the organization as
// it is stored now.
func requireSameDetails(t *testing.T, want organizations.Invitation, org organizations.Organization, got organizations.InvitationDetails, msgAndArgs ...any) {
	t.Helper()
	requireSameInvitation(t, want, got.Invitation, msgAndArgs...)
	requireSameOrg(t, org, got.Organization, msgAndArgs...)
}

func requireSameActivation(t *testing.T, want, got organizations.Activation, msgAndArgs ...any) {
	t.Helper()
	requireStamp(t, got.CreatedAt, got.ExpiresAt, got.UsedAt)
	require.Equal(t, canonActivation(want), canonActivation(got), msgAndArgs...)
}
