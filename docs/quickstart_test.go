package docs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// The README's quick start: a host with its own users table, keyed by integers, and the
// library's tables beside it in the schema "orgs". TestQuickStart runs it.

// usersTable is the host's own table; the library never writes it.
const usersTable = `CREATE TABLE IF NOT EXISTS users (
	id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL
)`

// App is what the host keeps: its pool, the store on it and the Service.
type App struct {
	Pool  *pgxpool.Pool
	Store *organizations.PostgresStore
	Orgs  *organizations.Service
}

// NewApp opens the store on the host's pool and migrates its tables, at every start.
func NewApp(ctx context.Context, pool *pgxpool.Pool) (*App, error) {
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs"})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil { // idempotent; safe when several instances start at once
		return nil, err
	}
	return &App{Pool: pool, Store: store, Orgs: organizations.New(store, nil)}, nil
}

// errNoSuchUser wraps ErrInvalidUserID, so that orghttp answers it with 422.
var errNoSuchUser = fmt.Errorf("%w: no such user", organizations.ErrInvalidUserID)

// lockUser checks that user id exists and keeps its row from being deleted until tx ends.
// The library cannot check: a UserID is text, and no foreign key goes from text to bigint.
func lockUser(ctx context.Context, tx pgx.Tx, id int64) error {
	var found bool
	err := tx.QueryRow(ctx, `SELECT true FROM users WHERE id = $1 FOR KEY SHARE`, id).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoSuchUser
	}
	return err
}

// CreateOrganization makes an organization owned by user owner, who must exist.
func (a *App) CreateOrganization(ctx context.Context, owner int64, name string) (org organizations.Organization, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := lockUser(ctx, tx, owner); err != nil {
			return err
		}
		org, err = a.Orgs.WithStore(a.Store.WithTx(tx)).CreateOrganization(ctx, organizations.UserIDFromInt(owner), name, nil)
		return err
	})
	return org, err
}

// AddMember adds user to org as requester: the user must exist, and the requester must
// hold members:add when the membership is written (As checks it in the same statement).
func (a *App) AddMember(ctx context.Context, requester organizations.UserID, org uuid.UUID, user int64) error {
	return pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := lockUser(ctx, tx, user); err != nil {
			return err
		}
		_, err := a.Orgs.WithStore(a.Store.WithTx(tx)).As(requester).AddUser(ctx, org, organizations.UserIDFromInt(user), organizations.RoleMember)
		return err
	})
}

// DeleteUser deletes user id with every membership of theirs, in one transaction. The
// DELETE goes first: it waits for an AddMember that locked the row, whose membership is
// then removed here; a later AddMember finds no user.
func (a *App) DeleteUser(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errNoSuchUser
		}
		_, err = a.Orgs.WithStore(a.Store.WithTx(tx)).RemoveUserEverywhere(ctx, organizations.UserIDFromInt(id),
			&organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin}) // or OwnedDelete
		return err // ErrNoSuccessor: an organization they own has no other admin; nothing is deleted
	})
}

// currentUser stands for the host's authentication: here the header X-User: 42.
func currentUser(r *http.Request) (organizations.UserID, bool) {
	id := organizations.UserID(r.Header.Get("X-User"))
	_, err := id.Int64()
	return id, err == nil
}

// Handler serves the organizations' routes: orghttp resolves the organization named by
// {org} and the requester's access in one store call, and guards each route.
func (a *App) Handler() (http.Handler, error) {
	orgs, err := orghttp.New(orghttp.Config{
		Service:   a.Orgs,
		Identify:  currentUser,
		Resolvers: []orghttp.Resolver{orghttp.FromPathValue("org")}, // the wildcard that names the organization
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /orgs/{org}/members", orgs.RequirePermission(organizations.PermMembersAdd)(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			org, _ := orghttp.Organization(r.Context())
			requester, _ := orghttp.User(r.Context())
			user, err := organizations.UserID(r.FormValue("user")).Int64()
			if err == nil {
				err = a.AddMember(r.Context(), requester, org.ID, user)
			}
			if err != nil {
				orghttp.WriteProblem(w, r, err) // 422 no such user, 403 not allowed, 409 already a member
				return
			}
			w.WriteHeader(http.StatusCreated)
		})))
	mux.Handle("GET /orgs/{org}/members", orgs.RequireMember(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			org, _ := orghttp.Organization(r.Context())
			page, err := a.Orgs.Members(r.Context(), org.ID, organizations.ListOptions{Limit: 50, After: r.FormValue("after")})
			if err != nil {
				orghttp.WriteProblem(w, r, err)
				return
			}
			_ = json.NewEncoder(w).Encode(page) // {"items":[{"user_id":"42","role":"admin",...}],"next":"..."}
		})))
	return mux, nil
}

// The database/sql way (GORM, sqlx, bun): the same store through pgx's stdlib driver, and
// the host's *sql.Tx joined with WithSQLTx.

// NewStoreSQL opens the store on a *sql.DB opened with sql.Open("pgx", url).
func NewStoreSQL(ctx context.Context, db *sql.DB) (*organizations.PostgresStore, *organizations.Service, error) {
	store, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: "orgs"})
	if err != nil {
		return nil, nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	return store, organizations.New(store, nil), nil
}

// DeleteUserSQL is DeleteUser on database/sql. With GORM, run the two statements inside
// db.Transaction(func(tx *gorm.DB) error {...}) and pass tx.Statement.ConnPool (the *sql.Tx)
// to WithSQLTx; with sqlx, pass the *sqlx.Tx's embedded tx.Tx.
func DeleteUserSQL(ctx context.Context, db *sql.DB, store *organizations.PostgresStore, svc *organizations.Service, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNoSuchUser
	}
	_, err = svc.WithStore(store.WithSQLTx(tx)).RemoveUserEverywhere(ctx, organizations.UserIDFromInt(id),
		&organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin})
	if err != nil {
		return err
	}
	return tx.Commit()
}
