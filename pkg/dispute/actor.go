package dispute

import "slices"

// Role is what an actor acts as. Staff and system roles come from the
// caller's credentials; buyer and seller follow from the order.
type Role string

// The roles.
const (
	RoleBuyer          Role = "buyer"
	RoleSeller         Role = "seller"
	RoleReviewer       Role = "reviewer"
	RoleSeniorReviewer Role = "senior_reviewer"
	RoleLead           Role = "lead"
	RoleAdmin          Role = "admin"
	RoleSystem         Role = "system"
)

// StaffRoles are the Trust & Safety roles.
var StaffRoles = []Role{RoleReviewer, RoleSeniorReviewer, RoleLead, RoleAdmin}

// GrantableRoles are the roles a credential may carry.
var GrantableRoles = []Role{RoleReviewer, RoleSeniorReviewer, RoleLead, RoleAdmin, RoleSystem}

// Actor is an authenticated caller.
type Actor struct {
	ID    string
	Roles []Role
	Teams []Team
	// KeyID names the API key the caller authenticated with, if any. Such a
	// caller acts as the key's seller, with no staff or system role.
	KeyID string
}

// Credential names the credential the actor authenticated with: its token's
// subject ("sub:" and the user id) or one API key ("key:" and the key id).
// What is kept per credential, such as Idempotency-Keys, is never shared
// between a user's token and its keys, nor between two keys.
func (a Actor) Credential() string {
	if a.KeyID != "" {
		return "key:" + a.KeyID
	}
	return "sub:" + a.ID
}

// SystemActor is the service itself, firing deadline events.
var SystemActor = Actor{ID: "system", Roles: []Role{RoleSystem}}

// Has reports whether the actor holds the role.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// InTeam reports whether the actor belongs to the team.
func (a Actor) InTeam(t Team) bool { return slices.Contains(a.Teams, t) }

// Staff reports whether the actor holds any Trust & Safety role.
func (a Actor) Staff() bool {
	return slices.ContainsFunc(a.Roles, func(r Role) bool { return slices.Contains(StaffRoles, r) })
}

// Supervises reports whether the actor may act for others on a team's cases:
// a lead of that team, or an admin.
func (a Actor) Supervises(t Team) bool {
	return a.Has(RoleAdmin) || (a.Has(RoleLead) && a.InTeam(t))
}

// CanReview reports whether the actor may take cases of the team.
func (a Actor) CanReview(t Team) bool {
	return (a.Has(RoleReviewer) || a.Has(RoleSeniorReviewer)) && a.InTeam(t)
}

// MayAddressParties reports whether a member of staff may post a message the
// parties read on the dispute: reviewers and senior reviewers of its team,
// whoever holds the case (a senior reviewer of another team who took its
// appeal, or someone a lead assigned), the team's leads, and admins. Other
// staff may read the case and add internal notes, but do not speak for the
// platform on a case that is not theirs.
func (a Actor) MayAddressParties(d *Dispute) bool {
	return a.Staff() && (a.CanReview(d.Team) || a.Supervises(d.Team) || (d.AssigneeID != "" && d.AssigneeID == a.ID))
}

// CanSee reports whether the actor may see the dispute at all: its parties,
// staff and the marketplace's systems. Everyone else is told it does not exist.
func (a Actor) CanSee(d *Dispute) bool {
	if a.KeyID != "" {
		// An API key acts for its seller only, not for the same user's purchases.
		return d.PartyOf(a.ID) == PartySeller
	}
	return d.PartyOf(a.ID) != "" || a.Staff() || a.Has(RoleSystem)
}

// staffRole is the role recorded in the audit for a staff action.
func (a Actor) staffRole() Role {
	for _, r := range []Role{RoleAdmin, RoleLead, RoleSeniorReviewer, RoleReviewer, RoleSystem} {
		if a.Has(r) {
			return r
		}
	}
	return ""
}
