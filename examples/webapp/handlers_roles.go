package main

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-organizations/organizations"
)

type rolesView struct {
	view
	Org organizations.Organization
	// Roles are the organization's roles: the declared ones, then its custom ones.
	Roles []organizations.RoleInfo
	// Declared are the roles a custom role can include; Permissions those it can hold.
	Declared    []organizations.Role
	Permissions []organizations.Permission
	Can         can
}

// roleForm is the form of one custom role: the create form ("create"), or a role's edit
// and delete forms ("role:" and its name), so that a refusal shows at the right one.
func roleForm(name organizations.Role) string { return "role:" + string(name) }

// roles lists the organization's roles with their permissions, to every member; those
// who hold roles:manage also get the forms that create, change and delete custom roles.
func (a *App) roles(w http.ResponseWriter, r *http.Request) {
	a.renderRoles(w, r, http.StatusOK, formState{})
}

// renderRoles renders the roles page with status; f is the refused form, if any.
func (a *App) renderRoles(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	roles, err := a.svc.Roles(r.Context(), org.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := rolesView{
		view: a.view(r, "Roles of "+org.Name), Org: org, Roles: roles,
		Permissions: a.svc.Policy().Permissions(), Can: permissions(r),
	}
	for _, def := range a.svc.Policy().Roles() {
		v.Declared = append(v.Declared, def.Name)
	}
	v.Form = f
	a.render(w, r, status, "roles", v)
}

// roleDefinition reads a custom role's form: the included roles and the permissions
// checked.
func roleDefinition(form url.Values, name organizations.Role) organizations.RoleDefinition {
	def := organizations.RoleDefinition{Name: name}
	for _, inc := range form["includes"] {
		def.Includes = append(def.Includes, organizations.Role(inc))
	}
	for _, p := range form["permissions"] {
		def.Permissions = append(def.Permissions, organizations.Permission(p))
	}
	return def
}

// createRole creates a custom role as the requester: the store refuses a role with
// permissions the requester does not hold (ErrEscalation, the 403 page). A malformed or
// taken name shows the form again with what was typed.
func (a *App) createRole(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	def := roleDefinition(r.PostForm, organizations.Role(r.PostFormValue("name")))
	c, err := a.orgs.As(r).CreateRole(r.Context(), org.ID, def)
	if err != nil {
		a.formFailed(w, r, err, "create", func(status int, f formState) { a.renderRoles(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug, "roles"), "Created the role "+string(c.Name)+".")
}

// updateRole replaces what the custom role {role} includes and holds; its members get
// the new permissions on their next request.
func (a *App) updateRole(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	name := organizations.Role(r.PathValue("role"))
	c, err := a.orgs.As(r).UpdateRole(r.Context(), org.ID, roleDefinition(r.PostForm, name))
	if err != nil {
		a.formFailed(w, r, err, roleForm(name), func(status int, f formState) { a.renderRoles(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug, "roles"), "Saved the role "+string(c.Name)+".")
}

// deleteRole deletes the custom role {role}. A role that a member or an open invitation
// holds is not deleted (ErrRoleInUse): the page shows why at the role's form.
func (a *App) deleteRole(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	name := organizations.Role(r.PathValue("role"))
	err := a.orgs.As(r).DeleteRole(r.Context(), org.ID, name)
	if errors.Is(err, organizations.ErrRoleInUse) {
		err = explain(err, "A member or an open invitation holds the role "+string(name)+
			": give them another role, or revoke the invitation, first.")
	}
	if err != nil {
		a.formFailed(w, r, err, roleForm(name), func(status int, f formState) { a.renderRoles(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug, "roles"), "Deleted the role "+string(name)+".")
}

// includes reports whether role is among a role's included roles (for the templates).
func includes(list []organizations.Role, role organizations.Role) bool {
	return slices.Contains(list, role)
}

// holds reports whether p is among a role's permissions (for the templates).
func holds(list []organizations.Permission, p organizations.Permission) bool {
	return slices.Contains(list, p)
}
