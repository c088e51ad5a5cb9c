package orghttp

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// Load resolves the request's organization, membership and user (see the package
// documentation) and returns the request with them in its context. A request this
// Middleware already resolved, for the same ServeMux route, is returned as it is. It may
// write the session (automatic selection, or clearing a stale session organization), so
// call it before writing the response. The returned request's context asks for reads
// at least as fresh as the consistency token the request carries (ConsistencyHeader, or
// ConsistencyCookie when Config.ReadYourWrites is on; see RememberWrite), unless its
// context already asked for a consistency (organizations.WithConsistency): the
// Middleware's own read and the handler's reads alike.
//
// The returned request is never nil: on error it is r. Errors: those of the store and of
// Config.Session, the context's error, or ErrInvalidConfig for a route whose path wildcard
// no resolver reads (see Config.NonOrganizationPathValues) when the organization would
// otherwise come from the session, automatic selection or the fallback. An organization that is not found, or that the
// requester does not belong to, is not an error here (see Authorize).
func (m *Middleware) Load(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	if st := stateFrom(r.Context()); st != nil && st.m == m && st.pattern == r.Pattern {
		return r, nil
	}
	r = m.withRequestConsistency(r)
	st, err := m.resolve(w, r)
	if err != nil {
		return r, err
	}
	if err := m.findTeam(r, st); err != nil {
		return r, err
	}
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st)), nil
}

// findTeam fills in st's current team: the first team resolver that names one decides,
// within the organization st resolved (none: no team). A reference that is not an ID,
// or that names no team of the organization, is a team named and not found. It costs
// one store call when a team is named in a resolved organization, none otherwise.
func (m *Middleware) findTeam(r *http.Request, st *state) error {
	for _, res := range m.cfg.TeamResolvers {
		ref, ok := res.Resolve(r)
		if !ok {
			continue
		}
		st.teamNamed = true
		id, err := uuid.Parse(ref)
		if err != nil || id == uuid.Nil || !st.hasOrg {
			return nil
		}
		a, err := m.cfg.Service.TeamAccess(r.Context(), st.org.ID, id, st.user)
		switch {
		case errors.Is(err, organizations.ErrTeamNotFound), errors.Is(err, organizations.ErrOrganizationNotFound):
			return nil // deleted since, or another organization's
		case err != nil:
			return err
		}
		st.team, st.hasTeam = a, true
		return nil
	}
	return nil
}

// resolve finds the request's organization and membership, then writes the session: the
// automatic selection, or else the clearing of a stale session organization (never both,
// so the response carries at most one Set-Cookie for the session).
func (m *Middleware) resolve(w http.ResponseWriter, r *http.Request) (*state, error) {
	st := &state{m: m, pattern: r.Pattern}
	if id, ok := m.cfg.Identify(r); ok && id.Valid() {
		st.user, st.identified = id, true
	}
	stale, selected, err := m.find(r.Context(), r, st)
	switch {
	case err != nil:
		return nil, err
	case selected && m.persist:
		return st, m.cfg.Session.SetCurrentOrganization(w, r, st.org.ID)
	case stale:
		return st, m.cfg.Session.ClearCurrentOrganization(w, r)
	}
	return st, nil
}

// find fills in st. stale reports a session organization that is gone or that the
// requester no longer belongs to: the session only remembers a choice, which must not
// outlive the membership. selected reports an automatic selection.
func (m *Middleware) find(ctx context.Context, r *http.Request, st *state) (stale, selected bool, err error) {
	for _, res := range m.resolvers {
		ref, ok := res.Resolve(r)
		if !ok {
			continue
		}
		if _, soft := res.(*sessionResolver); soft {
			if !st.identified {
				continue
			}
			if err := m.checkRoute(r); err != nil {
				return false, false, err
			}
			found, err := m.fromSession(ctx, st, ref)
			if err != nil || found {
				return false, false, err
			}
			stale = true
			continue
		}
		st.named = true
		r, err := m.lookup(ctx, ref, st.user)
		if err != nil || !r.found {
			return stale, false, err
		}
		st.enter(r)
		return stale, false, nil
	}
	if (st.identified && !m.cfg.NoAutoSelect) || (!st.identified && m.cfg.Fallback != "") {
		if err := m.checkRoute(r); err != nil {
			return stale, false, err
		}
	}
	switch {
	case st.identified && !m.cfg.NoAutoSelect:
		selected, err = m.autoSelect(ctx, st)
	case !st.identified && m.cfg.Fallback != "":
		var r lookup
		r, err = m.lookup(ctx, m.cfg.Fallback, "")
		st.org, st.hasOrg, st.access = r.org, r.found, r.access
	}
	return stale, selected, err
}

// fromSession resolves the session's organization for an identified requester; found is
// false if it is gone or the requester is not a member.
func (m *Middleware) fromSession(ctx context.Context, st *state, ref string) (found bool, err error) {
	r, err := m.lookup(ctx, ref, st.user)
	if err != nil || !r.isMember {
		return false, err
	}
	st.enter(r)
	return true, nil
}

// autoSelect gives an identified requester their only organization, if they have exactly
// one, as django-ar-organizations does.
func (m *Middleware) autoSelect(ctx context.Context, st *state) (bool, error) {
	page, err := m.cfg.Service.OrganizationsForUser(ctx, st.user, organizations.ListOptions{Limit: 2})
	if err != nil || len(page.Items) != 1 {
		return false, err
	}
	r, err := m.lookup(ctx, page.Items[0].ID.String(), st.user)
	if err != nil || !r.isMember {
		// Not a member any more: removed between the two calls.
		return false, err
	}
	st.enter(r)
	return true, nil
}

// lookup is what Service.ResolveOrganization found for a reference.
type lookup struct {
	org               organizations.Organization
	member            organizations.OrganizationUser
	found             bool
	isMember, isOwner bool
	access            organizations.Access // as the Service compiled it: Can works on it
}

// lookup reads the organization ref names (by ID if ref is shaped like a UUID, which a slug
// never is, else by slug) and user's membership of it, in one store operation, so that a
// removed member's very next request is refused. found is false for an unknown or
// malformed reference; an empty user is nobody's member.
func (m *Middleware) lookup(ctx context.Context, ref string, user organizations.UserID) (lookup, error) {
	ms, err := m.cfg.Service.ResolveOrganization(ctx, ref, user)
	if errors.Is(err, organizations.ErrOrganizationNotFound) {
		return lookup{}, nil
	}
	if err != nil {
		return lookup{}, err
	}
	return lookup{org: ms.Organization, member: ms.Membership, found: true, isMember: ms.IsMember, isOwner: ms.IsOwner, access: ms}, nil
}
