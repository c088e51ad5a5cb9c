package organizations_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

var updateJSON = flag.Bool("update", false, "rewrite testdata/json/*.json from the current output")

// Fixed values for the JSON golden files: the same bytes on every run.
var (
	jsonOrgID    = uuid.MustParse("0190c5a4-7b1e-7cc0-8000-00000000000a")
	jsonMemberID = uuid.MustParse("0190c5a4-7b1e-7cc0-8000-00000000000b")
	jsonInvID    = uuid.MustParse("0190c5a4-7b1e-7cc0-8000-00000000000c")
	jsonActID    = uuid.MustParse("0190c5a4-7b1e-7cc0-8000-00000000000d")
	jsonCreated  = time.Date(2031, time.May, 17, 4, 0, 0, 123456000, time.UTC)
	jsonUpdated  = jsonCreated.Add(90 * time.Minute)
	jsonExpires  = jsonCreated.Add(7 * 24 * time.Hour)
)

var (
	jsonOrg = organizations.Organization{
		ID: jsonOrgID, Name: "Acme Rockets", Slug: "acme-rockets", IsActive: true,
		Data: json.RawMessage(`{"plan":"pro"}`), Settings: json.RawMessage(`{}`),
		CreatedAt: jsonCreated, UpdatedAt: jsonUpdated,
	}
	jsonMember = organizations.OrganizationUser{
		ID: jsonMemberID, OrganizationID: jsonOrgID, UserID: "42", Role: organizations.RoleAdmin,
		CreatedAt: jsonCreated, UpdatedAt: jsonUpdated,
	}
	jsonPending = organizations.Invitation{
		ID: jsonInvID, OrganizationID: jsonOrgID, Email: "kim@example.com", Role: organizations.RoleMember,
		InvitedBy: "42", Status: organizations.InvitationStatusPending, CreatedAt: jsonCreated, ExpiresAt: jsonExpires,
	}
	jsonAccepted = func() organizations.Invitation {
		inv := jsonPending
		inv.Bearer, inv.Status, inv.RespondedAt, inv.AcceptedBy = true, organizations.InvitationStatusAccepted, jsonUpdated, "43"
		return inv
	}()
	jsonActivation = organizations.Activation{
		ID: jsonActID, UserID: "42", Email: "chris@example.com", CreatedAt: jsonCreated, ExpiresAt: jsonExpires,
	}
	jsonUsedActivation = func() organizations.Activation {
		a := jsonActivation
		a.UsedAt = jsonUpdated
		return a
	}()
)

// jsonCursor is the Next cursor of a page ending with jsonMember, as the Service makes it.
const jsonCursor = "AZDFpHsefMCAAAAAAAAACw"

// jsonCase is one value whose JSON is kept in testdata/json/<name>.json. decode makes a
// new value of the same type, for the round trip; nil for values that do not round-trip
// (the messages, whose token stays out of their JSON).
type jsonCase struct {
	name   string
	value  any
	decode func() any
}

func decodeAs[T any]() func() any { return func() any { return new(T) } }

func jsonCases() []jsonCase {
	return []jsonCase{
		{"organization", jsonOrg, decodeAs[organizations.Organization]()},
		{"organization_user", jsonMember, decodeAs[organizations.OrganizationUser]()},
		{"organization_owner", organizations.OrganizationOwner{OrganizationID: jsonOrgID, OrganizationUser: jsonMember, Since: jsonCreated}, decodeAs[organizations.OrganizationOwner]()},
		{"access_member", organizations.Access{Organization: jsonOrg, Membership: jsonMember, IsMember: true, IsOwner: true}, decodeAs[organizations.Access]()},
		{"access_anonymous", organizations.Access{Organization: jsonOrg}, decodeAs[organizations.Access]()},
		{"invitation_pending", jsonPending, decodeAs[organizations.Invitation]()},
		{"invitation_accepted", jsonAccepted, decodeAs[organizations.Invitation]()},
		{"invitation_details", organizations.InvitationDetails{Invitation: jsonPending, Organization: jsonOrg}, decodeAs[organizations.InvitationDetails]()},
		{"activation_pending", jsonActivation, decodeAs[organizations.Activation]()},
		{"activation_used", jsonUsedActivation, decodeAs[organizations.Activation]()},
		{"page", organizations.Page[organizations.OrganizationUser]{Items: []organizations.OrganizationUser{jsonMember}, Next: jsonCursor}, decodeAs[organizations.Page[organizations.OrganizationUser]]()},
		{"page_last", organizations.Page[organizations.Invitation]{Items: []organizations.Invitation{}}, decodeAs[organizations.Page[organizations.Invitation]]()},
		{"event_role_changed", organizations.RoleChanged{Old: jsonMember, New: jsonMember}, decodeAs[organizations.RoleChanged]()},
		{"event_invitation_accepted", organizations.InvitationAccepted{Invitation: jsonAccepted, OrganizationUser: jsonMember}, decodeAs[organizations.InvitationAccepted]()},
		{"invitation_message", organizations.InvitationMessage{Invitation: jsonPending, Organization: jsonOrg, InvitedBy: "42", Token: "secret-invitation-token", Reminder: true}, nil},
		{"activation_message", organizations.ActivationMessage{Activation: jsonActivation, Organization: jsonOrg, Token: "secret-activation-token"}, nil},
	}
}

// TestJSONMatchesGolden pins the JSON of every value type an API host returns: snake_case
// names, times in RFC 3339, unset optional fields left out, no token. Run with -update to
// rewrite the files after an intended change, and review the diff.
func TestJSONMatchesGolden(t *testing.T) {
	t.Parallel()
	for _, c := range jsonCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.MarshalIndent(c.value, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := filepath.Join("testdata", "json", c.name+".json")
			if *updateJSON {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create the golden file")
			require.Equal(t, string(want), string(got))
		})
	}
}

// TestJSONRoundTrip decodes each value's JSON back into its type and gets the value it
// started from.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range jsonCases() {
		if c.decode == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			raw, err := json.Marshal(c.value)
			require.NoError(t, err)
			dst := c.decode()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(dst))
			require.Equal(t, c.value, reflect.ValueOf(dst).Elem().Interface())
		})
	}
}

// TestJSONNeverCarriesATokenOrHash: the messages hold a token, and no value type's JSON
// has it, nor any key naming a token or a hash.
func TestJSONNeverCarriesATokenOrHash(t *testing.T) {
	t.Parallel()
	for _, c := range jsonCases() {
		raw, err := json.Marshal(c.value)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "secret-", c.name)
		require.NotRegexp(t, `(?i)"[a-z_]*(token|hash)[a-z_]*"\s*:`, string(raw), c.name)
	}
	m := organizations.InvitationMessage{Token: "secret-invitation-token"}
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	var back organizations.InvitationMessage
	require.NoError(t, json.Unmarshal([]byte(`{"token":"from-outside"}`), &back))
	require.Empty(t, back.Token, "a token in JSON is not read either")
	require.NotContains(t, string(raw), "secret-")
}

// TestJSONUnsetFieldsLeftOut: the optional fields are absent while unset and present once
// set, and times are RFC 3339 in UTC with microseconds.
func TestJSONUnsetFieldsLeftOut(t *testing.T) {
	t.Parallel()
	keys := func(v any) map[string]json.RawMessage {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &m))
		return m
	}
	pending := keys(jsonPending)
	require.NotContains(t, pending, "responded_at")
	require.NotContains(t, pending, "accepted_by")
	require.Equal(t, `"2031-05-17T04:00:00.123456Z"`, string(pending["created_at"]))
	accepted := keys(jsonAccepted)
	require.Equal(t, `"2031-05-17T05:30:00.123456Z"`, string(accepted["responded_at"]))
	require.Equal(t, `"43"`, string(accepted["accepted_by"]))

	require.NotContains(t, keys(jsonActivation), "used_at")
	require.Contains(t, keys(jsonUsedActivation), "used_at")

	require.NotContains(t, keys(organizations.Access{Organization: jsonOrg}), "membership", "no membership for a non-member")
	require.Contains(t, keys(organizations.Access{Organization: jsonOrg, Membership: jsonMember, IsMember: true}), "membership")

	last := keys(organizations.Page[organizations.Invitation]{Items: []organizations.Invitation{}})
	require.NotContains(t, last, "next")
	require.Equal(t, `[]`, string(last["items"]))
}

// TestJSONTagsOnEveryField: every field of the value types (events included) has a
// snake_case JSON name, or is kept out of JSON on purpose, so that a field added later
// cannot slip into the JSON under its Go name.
func TestJSONTagsOnEveryField(t *testing.T) {
	t.Parallel()
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	types := []any{
		organizations.Organization{}, organizations.OrganizationUser{}, organizations.OrganizationOwner{},
		organizations.Access{}, organizations.Invitation{}, organizations.InvitationDetails{},
		organizations.Activation{}, organizations.Page[organizations.Organization]{},
		organizations.InvitationMessage{}, organizations.ActivationMessage{},
		organizations.OrganizationCreated{}, organizations.OrganizationUpdated{}, organizations.OrganizationDeleted{},
		organizations.UserAdded{}, organizations.UserRemoved{}, organizations.RoleChanged{}, organizations.OwnerChanged{},
		organizations.InvitationCreated{}, organizations.InvitationAccepted{}, organizations.InvitationDeclined{},
		organizations.InvitationRevoked{}, organizations.CustomRoleCreated{}, organizations.CustomRoleUpdated{},
		organizations.CustomRoleDeleted{}, organizations.CustomRole{}, organizations.RoleInfo{},
	}
	for _, v := range types {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous || !f.IsExported() {
				continue // an embedded struct's fields are its own type's; unexported ones never marshal
			}
			tag, ok := f.Tag.Lookup("json")
			require.True(t, ok, "%s.%s has no json tag", typ, f.Name)
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				require.Equal(t, "Token", f.Name, "%s.%s: only tokens are kept out of JSON", typ, f.Name)
				continue
			}
			require.Regexp(t, snake, name, "%s.%s", typ, f.Name)
		}
	}
}

// TestJSONCursorIsTheServices: the page golden file holds the cursor the Service makes for
// a page ending with jsonMember.
func TestJSONCursorIsTheServices(t *testing.T) {
	t.Parallel()
	// CreateOrganization draws the organization's ID, then its owner's membership's.
	ids := []uuid.UUID{jsonOrgID, jsonMemberID, uuid.MustParse("0190c5a4-7b1e-7cc0-8000-0000000000ff")}
	svc := organizations.New(nil, &organizations.Options{NewID: func() uuid.UUID {
		id := ids[0]
		ids = ids[1:]
		return id
	}})
	ctx := t.Context()
	org, err := svc.CreateOrganization(ctx, "42", "Acme Rockets", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "43", organizations.RoleMember)
	require.NoError(t, err)
	page, err := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, jsonMemberID, page.Items[0].ID)
	require.Equal(t, jsonCursor, page.Next)
}
