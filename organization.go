package organizations

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Organization is an account, team or group: what members belong to. Every organization
// has exactly one owner (see Owner), who is an admin member of it.
//
// Like every value type the Service returns, it marshals to JSON with snake_case names
// and times in RFC 3339 (UTC, microseconds), so an API host can return it as it is:
//
//	{"id":"…","name":"Acme","slug":"acme","is_active":true,"data":{},"settings":{},
//	 "created_at":"2031-05-17T04:00:00.123456Z","updated_at":"2031-05-17T04:00:00.123456Z"}
//
// Data and Settings are included as the JSON objects they are: a host that keeps
// something private in them returns a narrower value to those who must not see it.
type Organization struct {
	ID uuid.UUID `json:"id"`
	// Name is the display name: 1 to MaxNameLength runes, trimmed.
	Name string `json:"name"`
	// Slug is unique across the store, URL-safe, generated from the name unless given.
	Slug string `json:"slug"`
	// IsActive is false for an organization created inactive, such as one made by
	// Register and waiting for its owner's activation.
	IsActive bool `json:"is_active"`
	// Data is the host's free JSON object (custom data); "{}" when unset.
	Data json.RawMessage `json:"data"`
	// Settings is the host's free JSON object (custom settings); "{}" when unset.
	Settings  json.RawMessage `json:"settings"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// MaxMembers is the organization's member limit (see Seats, ErrMemberLimit); 0 for
	// none. Left out of JSON when 0.
	MaxMembers int `json:"max_members,omitempty"`
}

// CreateOptions are the optional parts of CreateOrganization; nil means defaults.
type CreateOptions struct {
	// Slug, if set, is used as given (ErrInvalidSlug if malformed, ErrSlugTaken if
	// taken); otherwise one is generated from the name and suffixed -2, -3, ... until free.
	Slug string
	// Inactive creates the organization with IsActive false.
	Inactive bool
	// Data and Settings are the initial custom data and settings (JSON objects).
	Data, Settings json.RawMessage
	// MaxMembers is the member limit (see Seats): nil means Options.DefaultMaxMembers,
	// a pointer to 0 no limit. A limit needs a SeatStore.
	MaxMembers *int
}

// OrganizationUpdate lists the fields UpdateOrganization changes; a nil field is left
// unchanged. Renaming never changes the slug: set Slug to change it.
type OrganizationUpdate struct {
	Name     *string
	Slug     *string
	IsActive *bool
	Data     *json.RawMessage
	Settings *json.RawMessage
	// MaxMembers sets the member limit; a pointer to 0 removes it. A limit below the
	// current number of members is allowed: it only blocks additions. Needs a SeatStore.
	MaxMembers *int
}

// CreateOrganization creates an organization named name, owned by owner, who becomes its
// first member with RoleAdmin — all in one atomic store operation, so an organization
// never exists without its owner. It emits OrganizationCreated.
//
// Errors: ErrInvalidUserID, ErrInvalidName, ErrInvalidSlug, ErrOrganizationLimit (owner
// owns Options.MaxOwnedOrganizations already), ErrSlugTaken (explicit slug only),
// ErrInvalidJSON, ErrInvalidMemberLimit, ErrNotSupported (a member limit on a store that
// is not a SeatStore, or Options.MaxOwnedOrganizations on one that is not an
// OwnershipLimitStore), the store's error, or the context's error.
func (s *Service) CreateOrganization(ctx context.Context, owner UserID, name string, opts *CreateOptions) (Organization, error) {
	if err := ready(ctx); err != nil {
		return Organization{}, err
	}
	org, err := s.createOrganization(ctx, owner, name, opts)
	if err != nil {
		return Organization{}, err
	}
	emit(s, ctx, OrganizationCreated{Organization: org, Owner: owner})
	return org, nil
}

// createOrganization validates the input of CreateOrganization, builds the organization
// and its owner's membership, and stores them; it emits nothing.
func (s *Service) createOrganization(ctx context.Context, owner UserID, name string, opts *CreateOptions) (Organization, error) {
	p, err := s.newOrganization(owner, name, opts)
	if err != nil {
		return Organization{}, err
	}
	return s.store.CreateOrganization(ctx, p)
}

// newOrganization validates the input of CreateOrganization and builds the organization
// and its owner's membership, for the store to create: Register stores them itself, so
// that it knows the organization's ID to undo even when the store's outcome is unknown.
func (s *Service) newOrganization(owner UserID, name string, opts *CreateOptions) (CreateOrganizationParams, error) {
	if opts == nil {
		opts = &CreateOptions{}
	}
	if err := checkUser(owner); err != nil {
		return CreateOrganizationParams{}, err
	}
	name, slug, suffix, err := nameAndSlug(name, opts.Slug, Slugify)
	if err != nil {
		return CreateOrganizationParams{}, err
	}
	data, err := normalizeJSON(opts.Data)
	if err != nil {
		return CreateOrganizationParams{}, err
	}
	settings, err := normalizeJSON(opts.Settings)
	if err != nil {
		return CreateOrganizationParams{}, err
	}
	limit := s.opts.DefaultMaxMembers
	if opts.MaxMembers != nil {
		limit = *opts.MaxMembers
	}
	if err := checkMemberLimit(limit); err != nil {
		return CreateOrganizationParams{}, err
	}
	if limit > 0 {
		if _, err := enforcing[SeatStore](s.store); err != nil {
			return CreateOrganizationParams{}, err
		}
	}
	maxOwned, err := s.ownedLimit()
	if err != nil {
		return CreateOrganizationParams{}, err
	}
	now := s.now()
	org := Organization{
		ID: s.opts.NewID(), Name: name, Slug: slug, IsActive: !opts.Inactive,
		Data: data, Settings: settings, CreatedAt: now, UpdatedAt: now, MaxMembers: limit,
	}
	member := OrganizationUser{
		ID: s.opts.NewID(), OrganizationID: org.ID, UserID: owner, Role: RoleAdmin,
		CreatedAt: now, UpdatedAt: now,
	}
	return CreateOrganizationParams{Organization: org, Owner: member, SuffixSlug: suffix, MaxOwned: maxOwned}, nil
}

// Organization returns the organization with this ID. Errors: ErrOrganizationNotFound,
// the store's error, or the context's error.
func (s *Service) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	if err := ready(ctx, checkOrg(id)); err != nil {
		return Organization{}, err
	}
	return s.store.Organization(ctx, id)
}

// OrganizationBySlug returns the organization with this slug. Errors:
// ErrOrganizationNotFound (a malformed slug included), the store's error, or the
// context's error.
func (s *Service) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	if err := ready(ctx, checkSlugRef(slug)); err != nil {
		return Organization{}, err
	}
	return s.store.OrganizationBySlug(ctx, slug)
}

// UpdateOrganization changes the non-nil fields of u and returns the organization as
// stored. It emits OrganizationUpdated if anything changed; an update that changes nothing
// writes nothing and emits nothing.
//
// It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidName, ErrInvalidSlug, ErrSlugTaken,
// ErrInvalidJSON, ErrInvalidMemberLimit, ErrNotSupported (MaxMembers on a store that is
// not a SeatStore), the store's error, or the context's error.
func (s *Service) UpdateOrganization(ctx context.Context, id uuid.UUID, u OrganizationUpdate) (Organization, error) {
	return s.updateOrganization(ctx, "", id, u)
}

func (s *Service) updateOrganization(ctx context.Context, actor UserID, id uuid.UUID, u OrganizationUpdate) (Organization, error) {
	if err := ready(ctx, checkOrg(id)); err != nil {
		return Organization{}, err
	}
	var clean OrganizationUpdate
	var err error
	if clean.Name, clean.Slug, err = cleanNameSlug(u.Name, u.Slug); err != nil {
		return Organization{}, err
	}
	if u.IsActive != nil {
		active := *u.IsActive
		clean.IsActive = &active
	}
	if u.MaxMembers != nil {
		limit := *u.MaxMembers
		if err := checkMemberLimit(limit); err != nil {
			return Organization{}, err
		}
		if _, err := enforcing[SeatStore](s.store); err != nil {
			return Organization{}, err
		}
		clean.MaxMembers = &limit
	}
	if clean.Data, err = normalizeOptionalJSON(u.Data); err != nil {
		return Organization{}, err
	}
	if clean.Settings, err = normalizeOptionalJSON(u.Settings); err != nil {
		return Organization{}, err
	}
	org, changed, err := s.store.UpdateOrganization(ctx, UpdateOrganizationParams{Auth: s.auth(actor), OrganizationID: id, Update: clean, Now: s.now()})
	if err != nil {
		return Organization{}, err
	}
	if changed {
		emit(s, ctx, OrganizationUpdated{Organization: org, Actor: actor})
	}
	return org, nil
}

// normalizeOptionalJSON is normalizeJSON for an update's optional document: nil stays nil.
func normalizeOptionalJSON(raw *json.RawMessage) (*json.RawMessage, error) {
	if raw == nil {
		return nil, nil
	}
	clean, err := normalizeJSON(*raw)
	if err != nil {
		return nil, err
	}
	return &clean, nil
}

// DeleteOrganization deletes the organization with its memberships, ownership and
// invitations and custom roles; the users and their other organizations are untouched. It
// emits OrganizationDeleted. It is unchecked: for trusted system code; As(user) lets only
// the owner delete. Errors: ErrOrganizationNotFound, the
// store's error, or the context's error.
func (s *Service) DeleteOrganization(ctx context.Context, id uuid.UUID) error {
	return s.deleteOrganization(ctx, "", id)
}

func (s *Service) deleteOrganization(ctx context.Context, actor UserID, id uuid.UUID) error {
	if err := ready(ctx, checkOrg(id)); err != nil {
		return err
	}
	org, err := s.store.DeleteOrganization(ctx, DeleteOrganizationParams{Auth: s.auth(actor), OrganizationID: id})
	if err != nil {
		return err
	}
	emit(s, ctx, OrganizationDeleted{Organization: org, Actor: actor})
	return nil
}

// OrganizationsForUser returns one page of the organizations user is a member of, active
// and inactive (see Organization.IsActive), in the order they were created. A user with no
// organizations gets an empty page.
//
// Errors: ErrInvalidUserID, ErrInvalidListOptions, the store's error, or the context's
// error.
func (s *Service) OrganizationsForUser(ctx context.Context, user UserID, opts ListOptions) (Page[Organization], error) {
	return listPage(ctx, checkUser(user), opts, organizationID, func(q pageQuery) ([]Organization, error) {
		return s.store.OrganizationsForUser(ctx, OrganizationsForUserParams{UserID: user, After: q.after, Limit: q.limit + 1})
	})
}

// compareUUID orders IDs bytewise, as PostgreSQL orders uuid values: the order of every
// list and result the library sorts by ID, on every store.
func compareUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
