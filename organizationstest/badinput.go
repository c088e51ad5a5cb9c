package organizationstest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// BadStrings are byte strings that no text field of the library accepts as they are, by
// kind: a NUL byte, invalid UTF-8 (both of which PostgreSQL's text refuses, SQLSTATE
// 22021) and a string of 1 MiB (longer than any field allows, and than an index entry can
// hold). The conformance suite passes each of them to every call that takes a string; a
// host's fuzz tests may start from them too.
var BadStrings = map[string]string{
	"NUL":           "a\x00b",
	"invalid UTF-8": "a\xffb",
	"huge":          strings.Repeat("é", 1<<19),
}

// BadTimes are times outside the range every store keeps (years 1 to 9999), by kind:
// PostgreSQL's timestamptz refuses them (SQLSTATE 22008), and Unix microseconds cannot
// hold year 300000.
var BadTimes = map[string]time.Time{
	"year -4836":  time.Date(-4836, 1, 1, 0, 0, 0, 0, time.UTC),
	"year 300000": time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC),
	"year 0":      time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC),
	"year 10000":  time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
}

// badWorld is an organization "Acme" of owner ann with a member bob, a pending
// invitation for carl@example.com and a pending sign-up activation (if the store keeps
// them), for the bad-input calls to aim at.
type badWorld struct {
	*eventWorld
	org        organizations.Organization
	invitation organizations.Invitation
	token      string // the invitation's
	activation string // the activation's token; "" without an ActivationStore
}

func newBadWorld(t *testing.T, h *harness) *badWorld {
	t.Helper()
	ctx := h.ctx
	w := &badWorld{eventWorld: newEventWorld(h)}
	var err error
	w.org, err = w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = w.svc.AddUser(ctx, w.org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	w.invitation, err = w.svc.Invite(ctx, "ann", w.org.ID, "carl@example.com", nil)
	require.NoError(t, err)
	var ok bool
	w.token, ok = w.outbox.InvitationToken("carl@example.com")
	require.True(t, ok)
	if activationStore.implemented(h.store) {
		_, err = w.svc.Register(ctx, "dora@example.com", "Dora's")
		require.NoError(t, err)
		w.activation, ok = w.outbox.ActivationToken("dora@example.com")
		require.True(t, ok)
	}
	w.rec.Take()
	return w
}

// badCall is one call given a bad value: want is the sentinel every store answers with.
type badCall struct {
	name  string
	needs *optional // nil: the core
	want  error
	call  func(ctx context.Context, w *badWorld, s string) error
}

// errOf drops a call's result.
func errOf[T any](_ T, err error) error { return err }

// err2Of drops a call's two results.
func err2Of[T, U any](_ T, _ U, err error) error { return err }

// badStringCalls are the calls that take a string (or bytes), each with the sentinel
// a bad value gets.
func badStringCalls() []badCall {
	user := func(s string) organizations.UserID { return organizations.UserID(s) }
	email := func(s string) string { return s + "@example.com" }
	doc := func(s string) json.RawMessage { return json.RawMessage(`{"k": "` + s + `"}`) }
	return []badCall{
		{"CreateOrganization/owner", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateOrganization(ctx, user(s), "Acme", nil))
		}},
		{"CreateOrganization/name", nil, organizations.ErrInvalidName, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateOrganization(ctx, "ann", s, nil))
		}},
		{"CreateOrganization/slug", nil, organizations.ErrInvalidSlug, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateOrganization(ctx, "ann", "Acme", &organizations.CreateOptions{Slug: s}))
		}},
		{"CreateOrganization/data", nil, organizations.ErrInvalidJSON, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateOrganization(ctx, "ann", "Acme", &organizations.CreateOptions{Data: doc(s)}))
		}},
		{"CreateOrganization/settings", nil, organizations.ErrInvalidJSON, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateOrganization(ctx, "ann", "Acme", &organizations.CreateOptions{Settings: doc(s)}))
		}},
		{"UpdateOrganization/name", nil, organizations.ErrInvalidName, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Name: &s}))
		}},
		{"UpdateOrganization/slug", nil, organizations.ErrInvalidSlug, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Slug: &s}))
		}},
		{"UpdateOrganization/data", nil, organizations.ErrInvalidJSON, func(ctx context.Context, w *badWorld, s string) error {
			d := doc(s)
			return errOf(w.svc.UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Data: &d}))
		}},
		{"UpdateOrganization/settings", nil, organizations.ErrInvalidJSON, func(ctx context.Context, w *badWorld, s string) error {
			d := doc(s)
			return errOf(w.svc.UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Settings: &d}))
		}},
		{"As/actor", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.As(user(s)).AddUser(ctx, w.org.ID, "eve", organizations.RoleMember))
		}},
		{"OrganizationBySlug", nil, organizations.ErrOrganizationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.OrganizationBySlug(ctx, s))
		}},
		{"ResolveOrganization/ref", nil, organizations.ErrOrganizationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ResolveOrganization(ctx, s, "ann"))
		}},
		{"ResolveOrganization/user", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ResolveOrganization(ctx, w.org.Slug, user(s)))
		}},
		{"AddUser/user", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AddUser(ctx, w.org.ID, user(s), organizations.RoleMember))
		}},
		{"AddUser/role", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AddUser(ctx, w.org.ID, "eve", organizations.Role(s)))
		}},
		{"GetOrAddUser/user", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return err2Of(w.svc.GetOrAddUser(ctx, w.org.ID, user(s), organizations.RoleMember))
		}},
		{"RemoveUser", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.RemoveUser(ctx, w.org.ID, user(s))
		}},
		{"SetRole/user", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.SetRole(ctx, w.org.ID, user(s), organizations.RoleAdmin))
		}},
		{"SetRole/role", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.SetRole(ctx, w.org.ID, "bob", organizations.Role(s)))
		}},
		{"OrganizationUser", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.OrganizationUser(ctx, w.org.ID, user(s)))
		}},
		{"Access", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Access(ctx, w.org.ID, user(s)))
		}},
		{"HasPermission/user", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.HasPermission(ctx, w.org.ID, user(s), organizations.PermMembersAdd))
		}},
		{"HasPermission/permission", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.HasPermission(ctx, w.org.ID, "ann", organizations.Permission(s)))
		}},
		{"IsMember", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.IsMember(ctx, w.org.ID, user(s)))
		}},
		{"IsAdmin", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.IsAdmin(ctx, w.org.ID, user(s)))
		}},
		{"IsOwner", nil, nil, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.IsOwner(ctx, w.org.ID, user(s)))
		}},
		{"ChangeOwner", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.ChangeOwner(ctx, w.org.ID, user(s))
		}},
		{"Members/after", nil, organizations.ErrInvalidListOptions, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Members(ctx, w.org.ID, organizations.ListOptions{After: s}))
		}},
		{"OrganizationsForUser/user", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.OrganizationsForUser(ctx, user(s), organizations.ListOptions{}))
		}},
		{"OrganizationsForUser/after", nil, organizations.ErrInvalidListOptions, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.OrganizationsForUser(ctx, "ann", organizations.ListOptions{After: s}))
		}},
		{"Invite/invitedBy", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Invite(ctx, user(s), w.org.ID, "eve@example.com", nil))
		}},
		{"Invite/email", nil, organizations.ErrInvalidEmail, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Invite(ctx, "ann", w.org.ID, email(s), nil))
		}},
		{"Invite/role", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Invite(ctx, "ann", w.org.ID, "eve@example.com", &organizations.InviteOptions{Role: organizations.Role(s)}))
		}},
		{"InvitationByToken", nil, organizations.ErrInvitationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.InvitationByToken(ctx, s))
		}},
		{"AcceptInvitation/token", nil, organizations.ErrInvitationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AcceptInvitation(ctx, s, "carl", "carl@example.com"))
		}},
		{"AcceptInvitation/user", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AcceptInvitation(ctx, w.token, user(s), "carl@example.com"))
		}},
		{"AcceptInvitation/email", nil, organizations.ErrInvalidEmail, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AcceptInvitation(ctx, w.token, "carl", email(s)))
		}},
		{"DeclineInvitation/token", nil, organizations.ErrInvitationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.DeclineInvitation(ctx, s, "carl@example.com")
		}},
		{"DeclineInvitation/email", nil, organizations.ErrInvalidEmail, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.DeclineInvitation(ctx, w.token, email(s))
		}},
		{"RevokeInvitation/actor", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.RevokeInvitation(ctx, user(s), w.invitation.ID)
		}},
		{"ResendInvitation/actor", nil, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ResendInvitation(ctx, user(s), w.invitation.ID))
		}},
		{"PendingInvitations/after", nil, organizations.ErrInvalidListOptions, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.PendingInvitations(ctx, w.org.ID, organizations.ListOptions{After: s}))
		}},
		{"InvitationsForEmail", nil, organizations.ErrInvalidEmail, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.InvitationsForEmail(ctx, email(s)))
		}},
		{"Register/email", &activationStore, organizations.ErrInvalidEmail, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Register(ctx, email(s), "Eve's"))
		}},
		{"Register/name", &activationStore, organizations.ErrInvalidName, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Register(ctx, "eve@example.com", s))
		}},
		{"Activate", &activationStore, organizations.ErrActivationNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Activate(ctx, s))
		}},
		{"CreateRole/name", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateRole(ctx, w.org.ID, organizations.RoleDefinition{Name: organizations.Role(s), Includes: []organizations.Role{organizations.RoleMember}}))
		}},
		{"CreateRole/includes", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateRole(ctx, w.org.ID, organizations.RoleDefinition{Name: "recruiter", Includes: []organizations.Role{organizations.Role(s)}}))
		}},
		{"CreateRole/permissions", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.CreateRole(ctx, w.org.ID, organizations.RoleDefinition{Name: "recruiter", Permissions: []organizations.Permission{organizations.Permission(s)}}))
		}},
		{"UpdateRole/name", nil, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.UpdateRole(ctx, w.org.ID, organizations.RoleDefinition{Name: organizations.Role(s), Includes: []organizations.Role{organizations.RoleMember}}))
		}},
		{"DeleteRole", nil, organizations.ErrRoleNotFound, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.DeleteRole(ctx, w.org.ID, organizations.Role(s))
		}},
		{"SuspendUser", &suspensionStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.SuspendUser(ctx, w.org.ID, user(s)))
		}},
		{"ReactivateUser", &suspensionStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ReactivateUser(ctx, w.org.ID, user(s)))
		}},
		{"ProposeOwnershipTransfer", &transferStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ProposeOwnershipTransfer(ctx, w.org.ID, user(s)))
		}},
		{"AcceptOwnershipTransfer/actor", &transferStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.As(user(s)).AcceptOwnershipTransfer(ctx, w.org.ID)
		}},
		{"OrganizationsOwnedBy", &offboardStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.OrganizationsOwnedBy(ctx, user(s), organizations.ListOptions{}))
		}},
		{"RemoveUserEverywhere", &offboardStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.RemoveUserEverywhere(ctx, user(s), nil))
		}},
		{"ListMembers/role", &memberListStore, organizations.ErrInvalidRole, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ListMembers(ctx, w.org.ID, organizations.MemberFilter{Role: organizations.Role(s)}, organizations.ListOptions{}))
		}},
		{"ListMembers/status", &memberListStore, organizations.ErrInvalidListOptions, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.ListMembers(ctx, w.org.ID, organizations.MemberFilter{Status: organizations.MemberStatus(s)}, organizations.ListOptions{}))
		}},
		{"EventFeed/after", &eventStore, organizations.ErrInvalidCursor, func(ctx context.Context, w *badWorld, s string) error {
			return err2Of(w.svc.EventFeed(ctx, s, 0))
		}},
		{"AuditLog/actor", &eventStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{Actor: user(s)}, organizations.ListOptions{}))
		}},
		{"AuditLog/subject", &eventStore, organizations.ErrInvalidUserID, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{Subject: user(s)}, organizations.ListOptions{}))
		}},
		{"AuditLog/types", &eventStore, organizations.ErrUnknownEventType, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{Types: []string{"user_added", s}}, organizations.ListOptions{}))
		}},
		{"AuditLog/after", &eventStore, organizations.ErrInvalidListOptions, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{After: s}))
		}},
		{"CursorStore.LoadCursor/consumer", &cursorStore, organizations.ErrInvalidConsumer, func(ctx context.Context, w *badWorld, s string) error {
			return errOf(w.svc.Store().(organizations.CursorStore).LoadCursor(ctx, s))
		}},
		{"CursorStore.SaveCursor/consumer", &cursorStore, organizations.ErrInvalidConsumer, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.Store().(organizations.CursorStore).SaveCursor(ctx, s, "0.1")
		}},
		{"CursorStore.SaveCursor/cursor", &cursorStore, organizations.ErrInvalidCursor, func(ctx context.Context, w *badWorld, s string) error {
			return w.svc.Store().(organizations.CursorStore).SaveCursor(ctx, "mailer", s)
		}},
	}
}

// auditCursorAt is an AuditLog page cursor (ListOptions.After) pointing at t: the form
// the Service makes, with t in it.
func auditCursorAt(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixMicro()))
	binary.BigEndian.PutUint64(b[8:], 1)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// testBadInputGetsASentinel: every call that takes a string, bytes or a time answers a
// NUL byte, invalid UTF-8, a huge string, and a time outside years 1 to 9999 with the
// same documented sentinel on every store (never a driver's error, never a success on
// one store and an error on another), and changes nothing.
func testBadInputGetsASentinel(t *testing.T, h *harness) {
	ctx := h.ctx
	w := newBadWorld(t, h)
	type check struct {
		name string
		want error
		err  error
	}
	var checks []check
	for _, c := range badStringCalls() {
		if c.needs != nil && !c.needs.implemented(h.store) {
			continue
		}
		for kind, s := range BadStrings {
			checks = append(checks, check{c.name + "/" + kind, c.want, c.call(ctx, w, s)})
		}
	}
	checks = append(checks, check{"CreateOrganization/data/over MaxJSONLength", organizations.ErrInvalidJSON,
		errOf(w.svc.CreateOrganization(ctx, "ann", "Acme", &organizations.CreateOptions{
			Data: json.RawMessage(`{"k": "` + strings.Repeat("x", organizations.MaxJSONLength) + `"}`)}))})
	if eventStore.implemented(h.store) {
		for kind, tm := range BadTimes {
			checks = append(checks,
				check{"AuditLog/since/" + kind, organizations.ErrInvalidTime,
					errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{Since: tm}, organizations.ListOptions{}))},
				check{"AuditLog/until/" + kind, organizations.ErrInvalidTime,
					errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{Until: tm}, organizations.ListOptions{}))},
				check{"AuditLog/after/" + kind, organizations.ErrInvalidListOptions,
					errOf(w.svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{After: auditCursorAt(tm)}))},
				check{"PruneEvents/" + kind, organizations.ErrInvalidTime, errOf(w.svc.PruneEvents(ctx, tm))})
		}
	}
	for _, c := range checks {
		switch {
		case c.want == nil && c.err != nil:
			t.Errorf("%s: %v, want no error", c.name, shorten(c.err))
		case c.want != nil && (!errors.Is(c.err, c.want) || errors.Is(c.err, organizations.ErrOutcomeUnknown)):
			t.Errorf("%s: %v, want %v", c.name, shorten(c.err), c.want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	require.Empty(t, w.rec.Take(), "a refused call emits nothing")
	got, err := w.svc.Organization(ctx, w.org.ID)
	require.NoError(t, err)
	requireSameOrg(t, w.org, got)
	members, err := w.svc.Members(ctx, w.org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, members.Items, 2)
	if eventStore.implemented(h.store) {
		page, err := w.svc.AuditLog(ctx, organizations.AuditQuery{OrganizationID: w.org.ID}, organizations.ListOptions{})
		require.NoError(t, err)
		require.Len(t, page.Items, 3, "the records of the creation, bob and the invitation, nothing pruned")
	}

	// JSON that escapes what raw text may not hold is a valid document: every store
	// keeps it as given.
	for kind, d := range map[string]string{
		"escaped NUL in a value": `{"k": "\u0000"}`,
		"escaped NUL in a key":   `{"\u0000": 1}`,
		"lone surrogate":         `{"k": "\ud800"}`,
	} {
		org, err := w.svc.CreateOrganization(ctx, "ann", "Escaped", &organizations.CreateOptions{Data: json.RawMessage(d), Settings: json.RawMessage(d)})
		require.NoError(t, err, kind)
		got, err := w.svc.Organization(ctx, org.ID)
		require.NoError(t, err, kind)
		require.JSONEq(t, d, string(got.Data), kind)
		require.JSONEq(t, d, string(got.Settings), kind)
	}
}

// shorten is err's text, cut short: an error may quote a huge input.
func shorten(err error) string {
	if err == nil {
		return "no error"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
