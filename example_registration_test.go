package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-organizations/organizations"
)

// signupUsers stands in for the host's user table: RegisterUser returns the same inactive
// user for the same email, and ActivateUser accepts an active user, as Registrar requires.
type signupUsers struct {
	mu     sync.Mutex
	ids    map[string]organizations.UserID
	active map[organizations.UserID]bool
}

func (u *signupUsers) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id, ok := u.ids[email]
	if !ok {
		id = organizations.UserID(fmt.Sprint(len(u.ids) + 1))
		u.ids[email] = id
	}
	return id, nil
}

func (u *signupUsers) ActivateUser(_ context.Context, id organizations.UserID) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.active[id] = true
	return nil
}

// Register creates an inactive user (in the host) and an inactive organization, and sends
// an activation link; Activate, with the token from the link, activates both. A token
// works once.
func ExampleService_Register() {
	ctx := context.Background()
	users := &signupUsers{ids: map[string]organizations.UserID{}, active: map[organizations.UserID]bool{}}
	var token string
	svc := organizations.New(nil, &organizations.Options{
		Registrar: users,
		Activator: organizations.ActivatorFunc(func(_ context.Context, m organizations.ActivationMessage) error {
			token = m.Token // a real Activator emails a link with it
			fmt.Printf("to %s: activate %s\n", m.Activation.Email, m.Organization.Name)
			return nil
		}),
	})
	org, err := svc.Register(ctx, "Grace@Example.org", "Compilers Inc.")
	if err != nil {
		panic(err)
	}
	fmt.Println("registered:", org.Slug, "active:", org.IsActive)

	user, err := svc.Activate(ctx, token)
	if err != nil {
		panic(err)
	}
	org, err = svc.Organization(ctx, org.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println("activated user", user, "host says active:", users.active[user], "org active:", org.IsActive)

	_, err = svc.Activate(ctx, token)
	fmt.Println("again:", errors.Is(err, organizations.ErrActivationUsed))
	// Output:
	// to grace@example.org: activate Compilers Inc.
	// registered: compilers-inc active: false
	// activated user 1 host says active: true org active: true
	// again: true
}
