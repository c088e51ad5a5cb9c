package organizations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DomainStore is the optional interface of a Store that keeps organizations' domains.
// Every method is one atomic step; the writes are actor-checked on PermDomainsManage
// (Authorization, as for the Store's methods) and record their events (DomainAdded,
// DomainRemoved, DomainVerified, DomainUnverified, DomainUpdated, and InvitationCreated
// or JoinRequested for what Enrollments and CreateDomainJoinRequest make) in the same
// step, on an EventStore.
//
// A verified domain belongs to at most one organization: of two organizations verifying
// one name at once, one succeeds and the other gets ErrDomainTaken (PostgreSQL holds it
// in its schema, with a unique index over the verified names). A verification older
// than the Service's Options.DomainVerificationMaxAge has lapsed: it enrolls no one, and
// another organization's verification of the name releases it (marks it unverified) in
// its own step.
//
// The Service returns ErrNotSupported for its domain methods on a store without it
// (see supports). MemoryStore, PostgresStore and CachedStore (over a DomainStore)
// implement it; Enrollments and CreateDomainJoinRequest need the store to keep join
// requests (JoinRequestStore) and invitations too, as both of those do.
type DomainStore interface {
	// AddDomain stores p.Domain (unverified). Errors, in this order:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrDomainExists (the organization
	// has the name already).
	AddDomain(ctx context.Context, p AddDomainParams) (Domain, error)
	// Domain returns the organization's domain with this (normalised) name. Errors:
	// ErrOrganizationNotFound, ErrDomainNotFound.
	Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error)
	// ListDomains returns up to p.Limit of the organization's domains in ascending ID
	// order after p.After, read in one atomic step. Error: ErrOrganizationNotFound.
	ListDomains(ctx context.Context, p ListDomainsParams) ([]Domain, error)
	// RemoveDomain deletes the domain and returns it as it was. Invitations it made
	// stay as they are. Errors: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrDomainNotFound.
	RemoveDomain(ctx context.Context, p DomainParams) (Domain, error)
	// VerifyDomain marks the domain verified at p.Now by p.Verification, with
	// VerifiedBy p.Auth.Actor (verifying a verified domain again moves VerifiedAt). For
	// DomainVerificationDNS, p.Token must be the domain's Token (the one the caller
	// found in DNS). If another organization holds the name verified before
	// p.VerifiedSince, that lapsed claim is released in the same step and returned in
	// the result. Errors, in this order: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrDomainNotFound, ErrDomainVerificationFailed (another token), ErrDomainTaken
	// (another organization holds the name verified, at or after p.VerifiedSince).
	VerifyDomain(ctx context.Context, p VerifyDomainParams) (VerifyDomainResult, error)
	// UnverifyDomain marks the domain unverified (UpdatedAt p.Now) and returns it before
	// and after; an unverified domain is returned unchanged as both, nothing written.
	// Errors: ErrOrganizationNotFound, ErrPermissionDenied, ErrDomainNotFound.
	UnverifyDomain(ctx context.Context, p DomainParams) (before, after Domain, err error)
	// SetDomainEnrollment sets the domain's Enrollment to p.Enrollment (UpdatedAt
	// p.Now) and returns it before and after; the same mode changes nothing. Errors:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrDomainNotFound.
	SetDomainEnrollment(ctx context.Context, p SetDomainEnrollmentParams) (before, after Domain, err error)
	// Enrollments returns what applies to p.UserID, whose verified address is p.Email
	// at p.Domain: nothing, unless an organization holds p.Domain verified at or after
	// p.VerifiedSince, the user is not a member of it, and its enrollment is automatic.
	// For EnrollmentAutomaticSuggestion the result carries the user's open join request
	// to it, if any. For EnrollmentAutomaticInvitation, in the same step: an invitation
	// of p.Email pending and unexpired at p.Now that an earlier Enrollments made gets
	// the token hash p.TokenHash, and its owner as inviter (InvitationRenewed); one an
	// admin sent is returned as it is; without either, p.Invitation is stored, made for
	// the organization (its OrganizationID set, InvitedBy its owner, RoleMember), if a
	// seat is free (SeatStore), with its InvitationCreated record (no actor)
	// (InvitationCreated); with no seat free, the result has no invitation.
	Enrollments(ctx context.Context, p EnrollmentsParams) ([]EnrollmentResult, error)
	// CreateDomainJoinRequest is JoinRequestStore.CreateJoinRequest for a user whose
	// verified address p.Email is at p.Domain: the organization accepts the request
	// when it holds p.Domain verified at or after p.VerifiedSince with
	// EnrollmentAutomaticSuggestion (whatever its JoinRequestsSetting), decided in the
	// same step. Errors: as CreateJoinRequest (ErrJoinRequestsClosed when the domain
	// does not open it).
	CreateDomainJoinRequest(ctx context.Context, p CreateDomainJoinRequestParams) (JoinRequest, error)
}

// AddDomainParams are the inputs of DomainStore.AddDomain.
type AddDomainParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// Domain is the domain to store, unverified: ID, OrganizationID, Name, Enrollment,
	// Token, CreatedAt and UpdatedAt.
	Domain Domain
}

// DomainParams name a domain of an organization, for DomainStore.RemoveDomain and
// UnverifyDomain.
type DomainParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and Name (normalised) name the domain.
	OrganizationID uuid.UUID
	Name           string
	// Now is when the change is made.
	Now time.Time
}

// ListDomainsParams are the inputs of DomainStore.ListDomains.
type ListDomainsParams struct {
	// OrganizationID is the organization whose domains are listed.
	OrganizationID uuid.UUID
	// After is the domain ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most domains returned.
	Limit int
}

// VerifyDomainParams are the inputs of DomainStore.VerifyDomain.
type VerifyDomainParams struct {
	// Auth is who acts, under which policy; Auth.Actor becomes VerifiedBy.
	Auth Authorization
	// OrganizationID and Name (normalised) name the domain.
	OrganizationID uuid.UUID
	Name           string
	// Verification is the method.
	Verification DomainVerification
	// Token is, for DomainVerificationDNS, the token found in the domain's TXT record.
	Token string
	// VerifiedSince is the oldest verification that still counts: another
	// organization's older claim of the name is released. Zero: none lapses.
	VerifiedSince time.Time
	// Now is when the domain is verified.
	Now time.Time
}

// VerifyDomainResult is what DomainStore.VerifyDomain did.
type VerifyDomainResult struct {
	// Domain is the domain, verified.
	Domain Domain
	// Released is another organization's domain of the same name whose lapsed
	// verification this one released (now unverified); nil if none.
	Released *Domain
}

// SetDomainEnrollmentParams are the inputs of DomainStore.SetDomainEnrollment.
type SetDomainEnrollmentParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and Name (normalised) name the domain.
	OrganizationID uuid.UUID
	Name           string
	// Enrollment is the new mode (valid).
	Enrollment DomainEnrollment
	// Now is when the change is made.
	Now time.Time
}

// EnrollmentsParams are the inputs of DomainStore.Enrollments.
type EnrollmentsParams struct {
	// UserID is the user signing in.
	UserID UserID
	// Email is the user's verified address, normalised; Domain its domain, normalised.
	Email, Domain string
	// VerifiedSince is the oldest verification that counts; zero: any.
	VerifiedSince time.Time
	// Invitation is the invitation to make under EnrollmentAutomaticInvitation: ID,
	// Email, Role (RoleMember), Status (pending), CreatedAt and ExpiresAt; the store sets
	// OrganizationID and InvitedBy.
	Invitation Invitation
	// TokenHash is the SHA-256 hash of the token of an invitation made or renewed.
	TokenHash []byte
	// Now is the time of the call: what is pending, unexpired, lapsed is as of now.
	Now time.Time
}

// EnrollmentResult is one Enrollment as the store made it, with what it wrote.
type EnrollmentResult struct {
	Enrollment
	// InvitationCreated: Enrollment.Invitation was made by this call.
	InvitationCreated bool
	// InvitationRenewed: Enrollment.Invitation, made by an earlier call, now has the
	// token hash of this one.
	InvitationRenewed bool
}

// CreateDomainJoinRequestParams are the inputs of DomainStore.CreateDomainJoinRequest.
type CreateDomainJoinRequestParams struct {
	// Request is the request to store, fully formed, status pending.
	Request JoinRequest
	// Email is the requester's verified address, normalised; Domain its domain,
	// normalised.
	Email, Domain string
	// VerifiedSince is the oldest verification that counts; zero: any.
	VerifiedSince time.Time
	// Now is the time against which an earlier pending request counts as expired.
	Now time.Time
}

// Enrollment is what applies to a user at sign-in through a verified domain of an
// organization (Service.Enrollments): the organization, the domain, and what its
// enrollment mode (Domain.Enrollment) gives. It marshals to JSON with "organization",
// "domain", and "invitation" or "join_request" when set; Token is never in JSON.
//
// Organization is the whole organization as stored, Data and Settings included, and
// Domain carries its token: a host that shows an Enrollment to the user (not yet a
// member) returns a narrower value if it keeps anything private there.
type Enrollment struct {
	Organization Organization `json:"organization"`
	Domain       Domain       `json:"domain"`
	// Invitation is, under EnrollmentAutomaticInvitation, the user's pending
	// invitation; nil when the organization's member limit left no seat for one.
	Invitation *Invitation `json:"invitation,omitempty"`
	// Token is the token of Invitation when this call made or renewed it: pass it to
	// AcceptInvitation. Each call renews the token of an invitation that Enrollments
	// made, so only the latest works. Empty for an invitation an admin sent (its link
	// went through the Inviter).
	Token string `json:"-"`
	// JoinRequest is, under EnrollmentAutomaticSuggestion, the user's open join request
	// to the organization, if any; without one, the user may ask to join with
	// Service.RequestToJoinByDomain.
	JoinRequest *JoinRequest `json:"join_request,omitempty"`
}

// domainStore is need[DomainStore] through the wrappers (enforcing, which looks through
// Unwrap): the Service hands the store a limit to enforce, the verification's maximum age
// (VerifiedSince), which a wrapper's claim alone must not let through.
func (s *Service) domainStore(ctx context.Context, checks ...error) (DomainStore, error) {
	if err := ready(ctx, checks...); err != nil {
		return nil, err
	}
	return enforcing[DomainStore](s.store)
}

// verifiedSince is the oldest verification that counts as of now: now less
// Options.DomainVerificationMaxAge, or zero for no maximum age.
func (s *Service) verifiedSince(now time.Time) time.Time {
	if s.opts.DomainVerificationMaxAge <= 0 {
		return time.Time{}
	}
	return Timestamp(now.Add(-s.opts.DomainVerificationMaxAge))
}

// domainCall validates what every call on one domain of an organization takes (the
// context, the organization and the name, then checks) and returns the normalised name
// and the store. A call that claims the name (adding, verifying: claim) refuses a public
// mail provider's; the others accept it, so that a domain added before the host extended
// Options.PublicMailDomains can still be read and removed.
func (s *Service) domainCall(ctx context.Context, org uuid.UUID, name string, claim bool, checks ...error) (string, DomainStore, error) {
	n, err := NormalizeDomain(name)
	if err == nil && claim && s.isPublicMailDomain(n) {
		err = ErrPublicMailDomain
	}
	ds, err := s.domainStore(ctx, append([]error{checkOrg(org), err}, checks...)...)
	if err != nil {
		return "", nil, err
	}
	return n, ds, nil
}

// checkEnrollment is ErrInvalidEnrollment unless mode is one of the modes.
func checkEnrollment(mode DomainEnrollment) error {
	if !mode.Valid() {
		return ErrInvalidEnrollment
	}
	return nil
}

// DomainOptions are the optional parts of AddDomain; nil means defaults.
type DomainOptions struct {
	// Enrollment is the domain's enrollment mode once verified; empty means
	// EnrollmentManual.
	Enrollment DomainEnrollment
}

// AddDomain adds the domain name (normalised: NormalizeDomain) to the organization,
// unverified, with a fresh Token to publish in DNS, and emits DomainAdded. Several
// organizations may add one name; only one can verify it. It is unchecked: for trusted
// system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrPublicMailDomain (a public mail
// provider's domain: DefaultPublicMailDomains, Options.PublicMailDomains),
// ErrInvalidEnrollment, ErrDomainExists (the organization has it already),
// ErrNotSupported (the store is not a DomainStore), the store's error, or the context's
// error.
func (s *Service) AddDomain(ctx context.Context, org uuid.UUID, name string, opts *DomainOptions) (Domain, error) {
	return s.addDomain(ctx, "", org, name, opts)
}

func (s *Service) addDomain(ctx context.Context, actor UserID, org uuid.UUID, name string, opts *DomainOptions) (Domain, error) {
	mode := EnrollmentManual
	if opts != nil && opts.Enrollment != "" {
		mode = opts.Enrollment
	}
	n, ds, err := s.domainCall(ctx, org, name, true, checkEnrollment(mode))
	if err != nil {
		return Domain{}, err
	}
	now := s.now()
	d, err := ds.AddDomain(ctx, AddDomainParams{Auth: s.auth(actor), Domain: Domain{
		ID: s.opts.NewID(), OrganizationID: org, Name: n, Enrollment: mode, Token: newDomainToken(),
		CreatedAt: now, UpdatedAt: now,
	}})
	if err != nil {
		return Domain{}, err
	}
	emit(s, ctx, DomainAdded{Domain: d, Actor: actor})
	return d, nil
}

// Domain returns the organization's domain name.
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrDomainNotFound,
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	n, ds, err := s.domainCall(ctx, org, name, false)
	if err != nil {
		return Domain{}, err
	}
	return ds.Domain(ctx, org, n)
}

// Domains returns one page of the organization's domains, in the order they were added.
//
// Errors: ErrOrganizationNotFound, ErrInvalidListOptions, ErrNotSupported, the store's
// error, or the context's error.
func (s *Service) Domains(ctx context.Context, org uuid.UUID, opts ListOptions) (Page[Domain], error) {
	return listPage(ctx, checkOrg(org), opts, func(d Domain) uuid.UUID { return d.ID }, func(q pageQuery) ([]Domain, error) {
		ds, err := enforcing[DomainStore](s.store)
		if err != nil {
			return nil, err
		}
		return ds.ListDomains(ctx, ListDomainsParams{OrganizationID: org, After: q.after, Limit: q.limit + 1})
	})
}

// RemoveDomain removes the domain from the organization and emits DomainRemoved. From
// then on it enrolls no one; invitations it made stay pending until answered or
// expired. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrDomainNotFound,
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) RemoveDomain(ctx context.Context, org uuid.UUID, name string) error {
	return s.removeDomain(ctx, "", org, name)
}

func (s *Service) removeDomain(ctx context.Context, actor UserID, org uuid.UUID, name string) error {
	n, ds, err := s.domainCall(ctx, org, name, false)
	if err != nil {
		return err
	}
	d, err := ds.RemoveDomain(ctx, DomainParams{Auth: s.auth(actor), OrganizationID: org, Name: n, Now: s.now()})
	if err != nil {
		return err
	}
	emit(s, ctx, DomainRemoved{Domain: d, Actor: actor})
	return nil
}

// VerifyDomain verifies the domain by DNS: it looks up the TXT records of its TXTName
// through Options.DomainResolver and, if one of them is its Token (white space around
// it ignored), marks it verified (DomainVerificationDNS) and emits DomainVerified. The
// lookup happens before the store's atomic step (no lock is held across the network);
// the step checks that the token is still the domain's and that no other organization
// holds the name verified. Verifying a verified domain again refreshes VerifiedAt: the
// way to renew a verification before Options.DomainVerificationMaxAge. If another
// organization's verification of the name had lapsed, it is released in the same step
// and DomainUnverified is emitted for it first. It is unchecked: for trusted system code
// (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrPublicMailDomain,
// ErrDomainNotFound, ErrDomainVerificationFailed (no TXT record holds the token, or the
// lookup failed: the error then wraps the resolver's, a *net.DNSError for
// net.Resolver), ErrDomainTaken (another organization holds it verified),
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) VerifyDomain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	return s.verifyDomainDNS(ctx, "", org, name)
}

func (s *Service) verifyDomainDNS(ctx context.Context, actor UserID, org uuid.UUID, name string) (Domain, error) {
	n, ds, err := s.domainCall(ctx, org, name, true)
	if err != nil {
		return Domain{}, err
	}
	if err := s.mayManageDomains(ctx, actor, org); err != nil {
		return Domain{}, err
	}
	d, err := ds.Domain(ctx, org, n)
	if err != nil {
		return Domain{}, err
	}
	if err := s.lookupDomainToken(ctx, d); err != nil {
		return Domain{}, err
	}
	return s.verifyDomain(ctx, ds, actor, org, n, DomainVerificationDNS, d.Token)
}

// mayManageDomains refuses, before a DNS lookup, an actor who does not hold
// PermDomainsManage: so that no user can make the Service query DNS for an organization
// they may not manage. The store decides again, in its step; nil for an unchecked call.
func (s *Service) mayManageDomains(ctx context.Context, actor UserID, org uuid.UUID) error {
	if actor == "" {
		return nil
	}
	a, err := s.Access(ctx, org, actor)
	if err != nil {
		return err
	}
	if !a.Can(PermDomainsManage) {
		return ErrPermissionDenied
	}
	return nil
}

// lookupDomainToken is nil if a TXT record of d.TXTName holds d.Token, else
// ErrDomainVerificationFailed (wrapping the resolver's error, if it failed).
func (s *Service) lookupDomainToken(ctx context.Context, d Domain) error {
	r := s.opts.DomainResolver
	if r == nil {
		r = defaultResolver
	}
	records, err := r.LookupTXT(ctx, d.TXTName())
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("%w: looking up %s: %w", ErrDomainVerificationFailed, d.TXTName(), err)
	}
	for _, rec := range records {
		if strings.TrimSpace(rec) == d.Token {
			return nil
		}
	}
	return fmt.Errorf("%w: no TXT record of %s holds the token", ErrDomainVerificationFailed, d.TXTName())
}

// VerifyDomainByAffiliation verifies the domain by affiliation: the host attests that a
// user holds verifiedEmail, an address at the domain that the host has verified (the
// library never trusts an unverified address). It marks the domain verified
// (DomainVerificationAffiliation) and emits DomainVerified, as VerifyDomain does, with
// the same releasing of another organization's lapsed claim. Affiliation proves less
// than DNS: anyone with an address at the domain can vouch for any organization; a host
// that needs proof of ownership uses VerifyDomain only. It is unchecked: for trusted
// system code; Actor.VerifyDomainByAffiliation is an admin vouching with their own
// address.
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrPublicMailDomain,
// ErrInvalidEmail, ErrDomainEmailMismatch (the address is not at the domain: exactly,
// a subdomain's address does not count), ErrDomainNotFound, ErrDomainTaken,
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) VerifyDomainByAffiliation(ctx context.Context, org uuid.UUID, name, verifiedEmail string) (Domain, error) {
	return s.verifyDomainByAffiliation(ctx, "", org, name, verifiedEmail)
}

func (s *Service) verifyDomainByAffiliation(ctx context.Context, actor UserID, org uuid.UUID, name, verifiedEmail string) (Domain, error) {
	n, ds, err := s.domainCall(ctx, org, name, true, checkAffiliation(name, verifiedEmail))
	if err != nil {
		return Domain{}, err
	}
	return s.verifyDomain(ctx, ds, actor, org, n, DomainVerificationAffiliation, "")
}

// checkAffiliation is ErrInvalidEmail for a malformed address, ErrDomainEmailMismatch
// for one that is not at the domain name (exactly), else nil (also for a malformed
// name: that is the name's check).
func checkAffiliation(name, email string) error {
	at, err := EmailDomain(email)
	if errors.Is(err, ErrInvalidEmail) {
		return err
	}
	if n, nerr := NormalizeDomain(name); nerr == nil && (err != nil || at != n) {
		return ErrDomainEmailMismatch
	}
	return nil
}

func (s *Service) verifyDomain(ctx context.Context, ds DomainStore, actor UserID, org uuid.UUID, name string, how DomainVerification, token string) (Domain, error) {
	now := s.now()
	res, err := ds.VerifyDomain(ctx, VerifyDomainParams{
		Auth: s.auth(actor), OrganizationID: org, Name: name, Verification: how, Token: token,
		VerifiedSince: s.verifiedSince(now), Now: now,
	})
	if err != nil {
		return Domain{}, err
	}
	if res.Released != nil {
		emit(s, ctx, DomainUnverified{Domain: *res.Released})
	}
	emit(s, ctx, DomainVerified{Domain: res.Domain, Actor: actor})
	return res.Domain, nil
}

// UnverifyDomain marks the domain unverified and emits DomainUnverified: the host
// requires it to be verified again (VerifyDomain, VerifyDomainByAffiliation) before it
// enrolls anyone, and frees the name for another organization to verify. Invitations
// it made stay pending. An unverified domain is left as it is, without an event. It is
// unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrDomainNotFound,
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) UnverifyDomain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	return s.unverifyDomain(ctx, "", org, name)
}

func (s *Service) unverifyDomain(ctx context.Context, actor UserID, org uuid.UUID, name string) (Domain, error) {
	n, ds, err := s.domainCall(ctx, org, name, false)
	if err != nil {
		return Domain{}, err
	}
	before, after, err := ds.UnverifyDomain(ctx, DomainParams{Auth: s.auth(actor), OrganizationID: org, Name: n, Now: s.now()})
	if err != nil {
		return Domain{}, err
	}
	if before.Verified() {
		emit(s, ctx, DomainUnverified{Domain: after, Actor: actor})
	}
	return after, nil
}

// SetDomainEnrollment sets the domain's enrollment mode and emits DomainUpdated if it
// changed. The mode may be set on an unverified domain; it takes effect once verified.
// It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidDomain, ErrInvalidEnrollment,
// ErrDomainNotFound, ErrNotSupported, the store's error, or the context's error.
func (s *Service) SetDomainEnrollment(ctx context.Context, org uuid.UUID, name string, mode DomainEnrollment) (Domain, error) {
	return s.setDomainEnrollment(ctx, "", org, name, mode)
}

func (s *Service) setDomainEnrollment(ctx context.Context, actor UserID, org uuid.UUID, name string, mode DomainEnrollment) (Domain, error) {
	n, ds, err := s.domainCall(ctx, org, name, false, checkEnrollment(mode))
	if err != nil {
		return Domain{}, err
	}
	before, after, err := ds.SetDomainEnrollment(ctx, SetDomainEnrollmentParams{
		Auth: s.auth(actor), OrganizationID: org, Name: n, Enrollment: mode, Now: s.now(),
	})
	if err != nil {
		return Domain{}, err
	}
	if before.Enrollment != after.Enrollment {
		emit(s, ctx, DomainUpdated{Old: before, New: after, Actor: actor})
	}
	return after, nil
}

// Enrollments returns what applies to user, whose address verifiedEmail the host has
// verified, through the verified domains: the call a host makes at sign-in, and when it
// verifies a new address of a user. It is one store call. The address's domain is
// matched exactly (a verified acme.com does not apply to bob@eu.acme.com), and a
// verification older than Options.DomainVerificationMaxAge does not count. Nothing
// applies to a member of the organization (suspended or not), nor through a domain in
// EnrollmentManual, nor to an address at a public mail provider: the result is then
// empty. Otherwise it has one Enrollment:
//
//   - EnrollmentAutomaticSuggestion: the organization, and the user's open join request
//     to it if any; the user may ask to join with RequestToJoinByDomain.
//   - EnrollmentAutomaticInvitation: a pending invitation of verifiedEmail with
//     RoleMember, made by this call if the user had none (with InvitationCreated, no
//     actor; the invitation holds a seat, and none is made when the member limit is
//     reached), and Enrollment.Token, the token to accept it with (AcceptInvitation).
//     The inviter on record is the organization's owner. An invitation that an earlier
//     call made gets a new token each call (so the token the host holds works; older
//     ones stop working), with no event, as ResendInvitation; one an admin sent is
//     returned without a token.
//
// Errors: ErrInvalidUserID, ErrInvalidEmail, ErrNotSupported (the store is not a
// DomainStore), the store's error, or the context's error. An address whose domain is
// not one the library accepts (NormalizeDomain) has nothing applying to it, no error.
func (s *Service) Enrollments(ctx context.Context, user UserID, verifiedEmail string) ([]Enrollment, error) {
	email, err := NormalizeEmail(verifiedEmail)
	ds, err := s.domainStore(ctx, checkUser(user), err)
	if err != nil {
		return nil, err
	}
	name, err := EmailDomain(email)
	if err != nil || s.isPublicMailDomain(name) {
		return []Enrollment{}, nil
	}
	token, hash := newToken()
	now := s.now()
	res, err := ds.Enrollments(ctx, EnrollmentsParams{
		UserID: user, Email: email, Domain: name, VerifiedSince: s.verifiedSince(now),
		Invitation: Invitation{
			ID: s.opts.NewID(), Email: email, Role: RoleMember, Status: InvitationStatusPending,
			CreatedAt: now, ExpiresAt: Timestamp(now.Add(s.opts.InvitationTTL)),
		},
		TokenHash: hash, Now: now,
	})
	if err != nil {
		return nil, err
	}
	out := make([]Enrollment, 0, len(res))
	for _, r := range res {
		e := r.Enrollment
		if r.InvitationCreated || r.InvitationRenewed {
			e.Token = token
		}
		if r.InvitationCreated && e.Invitation != nil {
			emit(s, ctx, InvitationCreated{Invitation: *e.Invitation})
		}
		out = append(out, e)
	}
	return out, nil
}

// RequestToJoinByDomain is RequestToJoin for a user whose verified address is at a
// domain the organization holds verified with EnrollmentAutomaticSuggestion: the
// request is accepted whatever the organization's JoinRequestsSetting, decided in the
// store's atomic step. It emits JoinRequested (with user as its actor).
//
// Errors: ErrInvalidUserID, ErrInvalidEmail, ErrInvalidJoinRequestMessage,
// ErrOrganizationNotFound, ErrJoinRequestsClosed (no such domain of the organization:
// unverified, lapsed, another mode, another domain), ErrAlreadyMember,
// ErrJoinRequestExists, ErrNotSupported (the store is not a DomainStore), the store's
// error, or the context's error.
func (s *Service) RequestToJoinByDomain(ctx context.Context, org uuid.UUID, user UserID, verifiedEmail, message string) (JoinRequest, error) {
	email, err := NormalizeEmail(verifiedEmail)
	ds, err := s.domainStore(ctx, checkOrg(org), checkUser(user), err, checkJoinRequestMessage(message))
	if err != nil {
		return JoinRequest{}, err
	}
	name, err := EmailDomain(email)
	if err != nil || s.isPublicMailDomain(name) {
		return JoinRequest{}, ErrJoinRequestsClosed
	}
	now := s.now()
	r := JoinRequest{
		ID: s.opts.NewID(), OrganizationID: org, UserID: user, Message: message, Status: JoinRequestStatusPending,
		CreatedAt: now, ExpiresAt: Timestamp(now.Add(s.joinRequestTTL())),
	}
	r, err = ds.CreateDomainJoinRequest(ctx, CreateDomainJoinRequestParams{
		Request: r, Email: email, Domain: name, VerifiedSince: s.verifiedSince(now), Now: now,
	})
	if err != nil {
		return JoinRequest{}, err
	}
	emit(s, ctx, JoinRequested{Request: r, Actor: user})
	return r, nil
}

// AddDomain is Service.AddDomain, if the actor holds PermDomainsManage. Errors: as
// Service.AddDomain, ErrInvalidUserID and ErrPermissionDenied.
func (a *Actor) AddDomain(ctx context.Context, org uuid.UUID, name string, opts *DomainOptions) (Domain, error) {
	if err := a.check(ctx); err != nil {
		return Domain{}, err
	}
	return a.s.addDomain(ctx, a.actor, org, name, opts)
}

// RemoveDomain is Service.RemoveDomain, if the actor holds PermDomainsManage. Errors:
// as Service.RemoveDomain, ErrInvalidUserID and ErrPermissionDenied.
func (a *Actor) RemoveDomain(ctx context.Context, org uuid.UUID, name string) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.removeDomain(ctx, a.actor, org, name)
}

// VerifyDomain is Service.VerifyDomain, if the actor holds PermDomainsManage (asked
// before the DNS lookup, and decided in the store's step), and records the actor as
// VerifiedBy. Errors: as Service.VerifyDomain, ErrInvalidUserID and
// ErrPermissionDenied.
func (a *Actor) VerifyDomain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	if err := a.check(ctx); err != nil {
		return Domain{}, err
	}
	return a.s.verifyDomainDNS(ctx, a.actor, org, name)
}

// VerifyDomainByAffiliation is Service.VerifyDomainByAffiliation for an actor who holds
// PermDomainsManage and whose own address, verified by the host, is verifiedEmail: an
// admin vouching for their organization's domain with their address there. The actor
// is recorded as VerifiedBy. Errors: as Service.VerifyDomainByAffiliation,
// ErrInvalidUserID and ErrPermissionDenied.
func (a *Actor) VerifyDomainByAffiliation(ctx context.Context, org uuid.UUID, name, verifiedEmail string) (Domain, error) {
	if err := a.check(ctx); err != nil {
		return Domain{}, err
	}
	return a.s.verifyDomainByAffiliation(ctx, a.actor, org, name, verifiedEmail)
}

// UnverifyDomain is Service.UnverifyDomain, if the actor holds PermDomainsManage.
// Errors: as Service.UnverifyDomain, ErrInvalidUserID and ErrPermissionDenied.
func (a *Actor) UnverifyDomain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	if err := a.check(ctx); err != nil {
		return Domain{}, err
	}
	return a.s.unverifyDomain(ctx, a.actor, org, name)
}

// SetDomainEnrollment is Service.SetDomainEnrollment, if the actor holds
// PermDomainsManage. Errors: as Service.SetDomainEnrollment, ErrInvalidUserID and
// ErrPermissionDenied.
func (a *Actor) SetDomainEnrollment(ctx context.Context, org uuid.UUID, name string, mode DomainEnrollment) (Domain, error) {
	if err := a.check(ctx); err != nil {
		return Domain{}, err
	}
	return a.s.setDomainEnrollment(ctx, a.actor, org, name, mode)
}
