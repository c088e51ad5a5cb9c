package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-organizations/organizations"
)

// An organization claims its mail domain, proves it with a DNS TXT record, and turns on
// automatic invitations: at sign-in, a user with a verified address there gets a pending
// invitation and its token from Enrollments, one store call. (The resolver here is a map;
// by default the Service asks net.DefaultResolver.)
func ExampleService_Enrollments() {
	ctx := context.Background()
	dns := map[string][]string{}
	svc := organizations.New(nil, &organizations.Options{
		DomainResolver: organizations.TXTResolverFunc(func(_ context.Context, name string) ([]string, error) {
			return dns[name], nil
		}),
	})
	org, _ := svc.CreateOrganization(ctx, "ann", "Acme", nil)

	d, err := svc.As("ann").AddDomain(ctx, org.ID, "Acme.com", nil)
	fmt.Println("added:", d.Name, d.Enrollment, err)
	fmt.Println("publish:", d.TXTName(), strings.HasPrefix(d.Token, "organizations-verification="))
	_, err = svc.As("ann").VerifyDomain(ctx, org.ID, "acme.com")
	fmt.Println("before the record:", errors.Is(err, organizations.ErrDomainVerificationFailed))
	dns[d.TXTName()] = []string{d.Token} // the admin publishes the record
	d, err = svc.As("ann").VerifyDomain(ctx, org.ID, "acme.com")
	fmt.Println("verified:", d.Verification, d.VerifiedBy, err)
	_, err = svc.As("ann").SetDomainEnrollment(ctx, org.ID, "acme.com", organizations.EnrollmentAutomaticInvitation)
	fmt.Println("mode set:", err)

	// At sign-in, with the address the host has verified.
	en, _ := svc.Enrollments(ctx, "bob", "bob@acme.com")
	inv := en[0].Invitation
	fmt.Println("bob is invited to", en[0].Organization.Name, "as", inv.Role)
	m, err := svc.AcceptInvitation(ctx, en[0].Token, "bob", "bob@acme.com")
	fmt.Println("bob joins:", m.Role, err)
	en, _ = svc.Enrollments(ctx, "bob", "bob@acme.com")
	fmt.Println("next sign-in:", len(en))
	en, _ = svc.Enrollments(ctx, "eve", "eve@eu.acme.com")
	fmt.Println("a subdomain's user:", len(en))
	_, err = svc.AddDomain(ctx, org.ID, "gmail.com", nil)
	fmt.Println("gmail.com:", errors.Is(err, organizations.ErrPublicMailDomain))
	// Output:
	// added: acme.com manual <nil>
	// publish: _organizations-verification.acme.com true
	// before the record: true
	// verified: dns ann <nil>
	// mode set: <nil>
	// bob is invited to Acme as member
	// bob joins: member <nil>
	// next sign-in: 0
	// a subdomain's user: 0
	// gmail.com: true
}

// With automatic suggestion, the user is offered the organization and may ask to join;
// an admin approves as for any join request. Verification by affiliation: the admin
// vouches with their own verified address at the domain.
func ExampleService_RequestToJoinByDomain() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	_, _ = svc.As("ann").AddDomain(ctx, org.ID, "acme.com", &organizations.DomainOptions{
		Enrollment: organizations.EnrollmentAutomaticSuggestion,
	})
	d, err := svc.As("ann").VerifyDomainByAffiliation(ctx, org.ID, "acme.com", "ann@acme.com")
	fmt.Println("verified:", d.Verification, err)

	en, _ := svc.Enrollments(ctx, "bob", "bob@acme.com")
	fmt.Println("suggested:", en[0].Organization.Name, en[0].Invitation == nil)
	req, err := svc.RequestToJoinByDomain(ctx, org.ID, "bob", "bob@acme.com", "I'm in sales")
	fmt.Println("bob asks:", req.Status, err)
	m, err := svc.As("ann").ApproveJoinRequest(ctx, req.ID)
	fmt.Println("approved:", m.UserID, m.Role, err)
	// Output:
	// verified: affiliation <nil>
	// suggested: Acme true
	// bob asks: pending <nil>
	// approved: bob member <nil>
}
