package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
)

// The Fuzz tests below feed the Service's entry points that take strings, bytes or
// times, on the memory store, and hold that a call never panics and either succeeds or
// returns one of the documented sentinels (never a raw error, never ErrOutcomeUnknown).
// Each has a ...Postgres twin that runs the same seeds on PostgreSQL (go test runs the
// seed corpus only): a value that gets past the Service's checks must get a sentinel
// there too, not SQLSTATE 22021 or 22008. Fuzz one at a time, anchored:
//
//	go test -run '^$' -fuzz '^FuzzAuditQuery$' -fuzztime 30s .

// sentinels are the exported errors a call may return for its input (every Err* of the
// package but ErrOutcomeUnknown, which only a lost connection gives).
var sentinels = []error{
	organizations.ErrActivationExpired, organizations.ErrActivationNotFound, organizations.ErrActivationUsed,
	organizations.ErrAlreadyInvited, organizations.ErrAlreadyMember, organizations.ErrAlreadyOwner,
	organizations.ErrEscalation, organizations.ErrInvalidConsumer, organizations.ErrInvalidCursor,
	organizations.ErrInvalidEmail, organizations.ErrInvalidJSON, organizations.ErrInvalidListOptions,
	organizations.ErrInvalidMemberLimit, organizations.ErrInvalidName, organizations.ErrInvalidPolicy,
	organizations.ErrInvalidRole, organizations.ErrInvalidSchema, organizations.ErrInvalidSlug,
	organizations.ErrInvalidTime, organizations.ErrInvalidUserID, organizations.ErrInvitationClosed,
	organizations.ErrInvitationEmailMismatch, organizations.ErrInvitationExpired, organizations.ErrInvitationNotFound,
	organizations.ErrInviterNotAllowed, organizations.ErrMemberLimit, organizations.ErrNoSuccessor,
	organizations.ErrNotConfigured, organizations.ErrNotMember, organizations.ErrNotSupported,
	organizations.ErrOrganizationNotFound, organizations.ErrOwnershipRequired, organizations.ErrPermissionDenied,
	organizations.ErrRoleExists, organizations.ErrRoleInUse, organizations.ErrRoleNotFound,
	organizations.ErrSchemaOutdated, organizations.ErrSchemaTooNew, organizations.ErrSlugTaken,
	organizations.ErrTransferNotFound, organizations.ErrUnknownEventType,
}

// requireSentinel fails t unless err is nil or wraps one of sentinels.
func requireSentinel(t *testing.T, call string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, organizations.ErrOutcomeUnknown) {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return
			}
		}
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	t.Fatalf("%s: %q is not a documented sentinel", call, msg)
}

// fuzzSeeds are strings every fuzz test starts from: the good, the edge and the bad.
var fuzzSeeds = func() []string {
	s := []string{"", "ann", "bob", "carl@example.com", "member", "admin", "owner", "acme", "Acme",
		" ", "\t", "é", "ANN", "0.1", "1.2", "-", "user_added", "member_suspended", "members:add",
		"a\x00b", "\x00", "a\xffb", "\xc3", "\u2028", "\ufeff", strings.Repeat("x", 256), strings.Repeat("é", 201)}
	for _, b := range organizationstest.BadStrings {
		if len(b) < 1000 { // the huge one is the conformance test's
			s = append(s, b)
		}
	}
	return s
}()

// fuzzRegistrar is a Registrar whose users are their emails' local parts.
type fuzzRegistrar struct{}

func (fuzzRegistrar) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	local, _, _ := strings.Cut(email, "@")
	return organizations.UserID("u-" + local), nil
}
func (fuzzRegistrar) ActivateUser(context.Context, organizations.UserID) error { return nil }

// fuzzWorld is a Service over a store with an organization Acme of owner ann, a member
// bob, a pending invitation for carl@example.com and a pending sign-up of dora.
type fuzzWorld struct {
	svc        *organizations.Service
	org        organizations.Organization
	token      string // the invitation's
	activation string
}

func newFuzzWorld(tb testing.TB, store organizations.Store) *fuzzWorld {
	tb.Helper()
	ctx := context.Background()
	outbox := &organizationstest.Outbox{}
	w := &fuzzWorld{svc: organizations.New(store, &organizations.Options{Inviter: outbox, Activator: outbox, Registrar: fuzzRegistrar{}})}
	var err error
	w.org, err = w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(tb, err)
	_, err = w.svc.AddUser(ctx, w.org.ID, "bob", organizations.RoleMember)
	require.NoError(tb, err)
	_, err = w.svc.Invite(ctx, "ann", w.org.ID, "carl@example.com", nil)
	require.NoError(tb, err)
	w.token, _ = outbox.InvitationToken("carl@example.com")
	_, err = w.svc.Register(ctx, "dora@example.com", "Dora's")
	require.NoError(tb, err)
	w.activation, _ = outbox.ActivationToken("dora@example.com")
	return w
}

func memoryWorld(f *testing.F) *fuzzWorld { return newFuzzWorld(f, organizations.NewMemoryStore()) }

func postgresWorld(f *testing.F) *fuzzWorld {
	store, _ := newPostgresStore(f, pgx.QueryExecModeCacheStatement)
	return newFuzzWorld(f, store)
}

func errOf[T any](_ T, err error) error { return err }

func err2Of[T, U any](_ T, _ U, err error) error { return err }

func FuzzCreateOrganization(f *testing.F)         { fuzzCreateOrganization(f, memoryWorld(f)) }
func FuzzCreateOrganizationPostgres(f *testing.F) { fuzzCreateOrganization(f, postgresWorld(f)) }

// fuzzCreateOrganization: CreateOrganization's owner, name, slug and JSON documents, and
// UpdateOrganization's; what is stored reads back as given.
func fuzzCreateOrganization(f *testing.F, w *fuzzWorld) {
	for _, s := range fuzzSeeds {
		f.Add("ann", s, "", []byte(nil))
		f.Add(s, "Acme", s, []byte(`{"k": "`+s+`"}`))
	}
	for _, d := range []string{`{}`, `{"k": "\u0000"}`, `{"\u0000": 1}`, `{"k": "\ud800"}`, `[]`, `null`, `{"a":1,"a":2}`, `{"k": 1e999}`, "{\"k\": \"\xff\"}", `{"k": "\\"}`} {
		f.Add("ann", "Acme", "", []byte(d))
	}
	f.Fuzz(func(t *testing.T, owner, name, slug string, data []byte) {
		ctx := context.Background()
		org, err := w.svc.CreateOrganization(ctx, organizations.UserID(owner), name, &organizations.CreateOptions{Slug: slug, Data: data, Settings: data})
		requireSentinel(t, "CreateOrganization", err)
		if err == nil {
			got, err := w.svc.Organization(ctx, org.ID)
			require.NoError(t, err)
			require.Equal(t, org.Name, got.Name)
			require.Equal(t, string(org.Data), string(got.Data), "Data reads back as stored")
		}
		d := json.RawMessage(data)
		_, err = w.svc.UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Name: &name, Slug: &slug, Data: &d, Settings: &d})
		requireSentinel(t, "UpdateOrganization", err)
		_, err = w.svc.As(organizations.UserID(owner)).UpdateOrganization(ctx, w.org.ID, organizations.OrganizationUpdate{Name: &name})
		requireSentinel(t, "Actor.UpdateOrganization", err)
	})
}

func FuzzMemberCalls(f *testing.F)         { fuzzMemberCalls(f, memoryWorld(f)) }
func FuzzMemberCallsPostgres(f *testing.F) { fuzzMemberCalls(f, postgresWorld(f)) }

// fuzzMemberCalls: every call that takes a user ID, a role or a permission.
func fuzzMemberCalls(f *testing.F, w *fuzzWorld) {
	for _, s := range fuzzSeeds {
		f.Add(s, "member")
		f.Add("bob", s)
	}
	f.Fuzz(func(t *testing.T, u, r string) {
		ctx := context.Background()
		svc, org, user, role := w.svc, w.org.ID, organizations.UserID(u), organizations.Role(r)
		for name, err := range map[string]error{
			"AddUser":                  errOf(svc.AddUser(ctx, org, user, role)),
			"GetOrAddUser":             err2Of(svc.GetOrAddUser(ctx, org, user, role)),
			"SetRole":                  errOf(svc.SetRole(ctx, org, user, role)),
			"OrganizationUser":         errOf(svc.OrganizationUser(ctx, org, user)),
			"Access":                   errOf(svc.Access(ctx, org, user)),
			"HasPermission":            errOf(svc.HasPermission(ctx, org, user, organizations.Permission(r))),
			"IsMember":                 errOf(svc.IsMember(ctx, org, user)),
			"IsAdmin":                  errOf(svc.IsAdmin(ctx, org, user)),
			"IsOwner":                  errOf(svc.IsOwner(ctx, org, user)),
			"ResolveOrganization":      errOf(svc.ResolveOrganization(ctx, w.org.Slug, user)),
			"OrganizationsForUser":     errOf(svc.OrganizationsForUser(ctx, user, organizations.ListOptions{})),
			"OrganizationsOwnedBy":     errOf(svc.OrganizationsOwnedBy(ctx, user, organizations.ListOptions{})),
			"SuspendUser":              errOf(svc.SuspendUser(ctx, org, user)),
			"ReactivateUser":           errOf(svc.ReactivateUser(ctx, org, user)),
			"ProposeOwnershipTransfer": errOf(svc.ProposeOwnershipTransfer(ctx, org, user)),
			"CancelOwnershipTransfer":  svc.CancelOwnershipTransfer(ctx, org),
			"Actor.AddUser":            errOf(svc.As(user).AddUser(ctx, org, "eve", role)),
			"Actor.SetRole":            errOf(svc.As(user).SetRole(ctx, org, "bob", role)),
			"Actor.Accept":             svc.As(user).AcceptOwnershipTransfer(ctx, org),
			"Actor.Invite":             errOf(svc.As(user).Invite(ctx, org, "eve@example.com", &organizations.InviteOptions{Role: role})),
			"RemoveUser":               svc.RemoveUser(ctx, org, user),
			"ListMembers":              errOf(svc.ListMembers(ctx, org, organizations.MemberFilter{Role: role, Status: organizations.MemberStatus(r)}, organizations.ListOptions{})),
		} {
			requireSentinel(t, name, err)
		}
		// ChangeOwner last but one, back to ann: the world stays as it was for the next input.
		requireSentinel(t, "ChangeOwner", svc.ChangeOwner(ctx, org, user))
		requireSentinel(t, "RemoveUserEverywhere", errOf(svc.RemoveUserEverywhere(ctx, user, nil)))
		_ = svc.ChangeOwner(ctx, org, "ann")
	})
}

func FuzzInvitationCalls(f *testing.F)         { fuzzInvitationCalls(f, memoryWorld(f)) }
func FuzzInvitationCallsPostgres(f *testing.F) { fuzzInvitationCalls(f, postgresWorld(f)) }

// fuzzInvitationCalls: tokens, emails and users of invitations and sign-ups.
func fuzzInvitationCalls(f *testing.F, w *fuzzWorld) {
	for _, s := range fuzzSeeds {
		f.Add(s, "carl@example.com", "carl")
		f.Add(w.token, s, "carl")
		f.Add(w.token, s+"@example.com", s)
		f.Add(w.activation, s, s)
	}
	f.Fuzz(func(t *testing.T, token, email, user string) {
		ctx := context.Background()
		svc := w.svc
		for name, err := range map[string]error{
			"InvitationByToken":   errOf(svc.InvitationByToken(ctx, token)),
			"InvitationsForEmail": errOf(svc.InvitationsForEmail(ctx, email)),
			"Invite":              errOf(svc.Invite(ctx, organizations.UserID(user), w.org.ID, email, nil)),
			"Register":            errOf(svc.Register(ctx, email, user)),
			"DeclineInvitation":   svc.DeclineInvitation(ctx, token, email),
			"AcceptInvitation":    errOf(svc.AcceptInvitation(ctx, token, organizations.UserID(user), email)),
			"Activate":            errOf(svc.Activate(ctx, token)),
		} {
			requireSentinel(t, name, err)
		}
	})
}

func FuzzRefs(f *testing.F)         { fuzzRefs(f, memoryWorld(f)) }
func FuzzRefsPostgres(f *testing.F) { fuzzRefs(f, postgresWorld(f)) }

// fuzzRefs: slugs, references, page cursors, feed cursors, role names, relay consumers.
func fuzzRefs(f *testing.F, w *fuzzWorld) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add(w.org.Slug)
	f.Add(w.org.ID.String())
	f.Add("AAAAAAAAAAAAAAAAAAAAAA") // 16 zero bytes, as an audit page cursor
	f.Add("f_________________________w")
	f.Fuzz(func(t *testing.T, ref string) {
		ctx := context.Background()
		svc, org := w.svc, w.org.ID
		cs := svc.Store().(organizations.CursorStore)
		for name, err := range map[string]error{
			"OrganizationBySlug":  errOf(svc.OrganizationBySlug(ctx, ref)),
			"ResolveOrganization": errOf(svc.ResolveOrganization(ctx, ref, "ann")),
			"Members":             errOf(svc.Members(ctx, org, organizations.ListOptions{After: ref})),
			"ListMembers":         errOf(svc.ListMembers(ctx, org, organizations.MemberFilter{}, organizations.ListOptions{After: ref})),
			"OrganizationsFor":    errOf(svc.OrganizationsForUser(ctx, "ann", organizations.ListOptions{After: ref})),
			"PendingInvitations":  errOf(svc.PendingInvitations(ctx, org, organizations.ListOptions{After: ref})),
			"EventFeed":           err2Of(svc.EventFeed(ctx, ref, 5)),
			"AuditLog":            errOf(svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{After: ref, Limit: 5})),
			"CreateRole":          errOf(svc.CreateRole(ctx, org, organizations.RoleDefinition{Name: organizations.Role(ref), Includes: []organizations.Role{organizations.Role(ref)}, Permissions: []organizations.Permission{organizations.Permission(ref)}})),
			"UpdateRole":          errOf(svc.UpdateRole(ctx, org, organizations.RoleDefinition{Name: organizations.Role(ref), Includes: []organizations.Role{organizations.RoleMember}})),
			"DeleteRole":          svc.DeleteRole(ctx, org, organizations.Role(ref)),
			"LoadCursor":          errOf(cs.LoadCursor(ctx, ref)),
			"SaveCursor consumer": cs.SaveCursor(ctx, ref, "0.1"),
			"SaveCursor cursor":   cs.SaveCursor(ctx, "fuzz", ref),
		} {
			requireSentinel(t, name, err)
		}
	})
}

func FuzzAuditQuery(f *testing.F)         { fuzzAuditQuery(f, memoryWorld(f)) }
func FuzzAuditQueryPostgres(f *testing.F) { fuzzAuditQuery(f, postgresWorld(f)) }

// fuzzAuditQuery: AuditLog's filters and PruneEvents' time (as Unix seconds and
// nanoseconds: any instant a time.Time holds, years -4836 and 300000 included). A query
// that passes the checks is answered, and its records match it.
func fuzzAuditQuery(f *testing.F, w *fuzzWorld) {
	y := func(year int) int64 { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Unix() }
	for _, s := range fuzzSeeds {
		f.Add(s, "", "", int64(0), int64(0))
		f.Add("", s, s, int64(0), int64(0))
	}
	for _, sec := range []int64{y(-4836), y(300000), y(0), y(1), y(9999), y(10000), -1, 1 << 40, -1 << 62, 1<<63 - 1, -1 << 63} {
		f.Add("", "", "", sec, int64(0))
		f.Add("", "", "", int64(0), sec)
	}
	f.Fuzz(func(t *testing.T, actor, subject, typ string, since, until int64) {
		ctx := context.Background()
		q := organizations.AuditQuery{Actor: organizations.UserID(actor), Subject: organizations.UserID(subject)}
		if typ != "" {
			q.Types = []string{typ}
		}
		if since != 0 {
			q.Since = time.Unix(since, 0)
		}
		if until != 0 {
			q.Until = time.Unix(until, 0)
		}
		p, err := w.svc.AuditLog(ctx, q, organizations.ListOptions{Limit: 5})
		requireSentinel(t, "AuditLog", err)
		for _, r := range p.Items {
			require.True(t, q.Actor == "" || r.Actor == q.Actor)
			require.True(t, q.Subject == "" || r.Subject == q.Subject)
			require.True(t, typ == "" || r.Type == typ)
			require.True(t, q.Since.IsZero() || !r.OccurredAt.Before(q.Since))
			require.True(t, q.Until.IsZero() || r.OccurredAt.Before(q.Until))
		}
		// Pruning before a time no record is older than: the world keeps its records.
		before := time.Unix(since, 0)
		if before.After(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
			before = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		n, err := w.svc.PruneEvents(ctx, before)
		requireSentinel(t, "PruneEvents", err)
		require.Zero(t, n)
	})
}
