package dispute

import "slices"

// Firer says who may fire an event: the roles a caller may fire it as (the
// role the audit records as actor_role), and in words the place in the case
// those roles also need, which the event's rule checks (the party, the team,
// the assignee).
type Firer struct {
	Roles []Role
	Place string
}

// Staff roles by what they may do on a case.
var (
	appealReviewers = []Role{RoleSeniorReviewer, RoleLead, RoleAdmin}
	partyRoles      = []Role{RoleBuyer, RoleSeller}
	systemRole      = []Role{RoleSystem}
)

// Firers is the one table of who may fire each event. The machine reads it
// (an event whose roles are all staff roles needs a Trust & Safety role, one
// fired by the system the system role, and a caller who would fire it as a
// role the table does not give is refused), and so do the state diagram
// (docs/state-machine.md), the history checker (pkg/history) and through
// the diagram the documentation.
var Firers = map[Event]Firer{
	EventOpen:         {[]Role{RoleBuyer}, "the buyer of the order"},
	EventSellerReply:  {[]Role{RoleSeller}, "the seller"},
	EventBuyerReply:   {[]Role{RoleBuyer}, "the buyer"},
	EventAcceptOffer:  {[]Role{RoleBuyer}, "the buyer"},
	EventAcceptClaim:  {[]Role{RoleSeller}, "the seller"},
	EventEscalate:     {partyRoles, "the buyer (once the seller answered or its deadline passed) or the seller"},
	EventAutoEscalate: {systemRole, "the service, when the seller's deadline passed"},
	EventLapse:        {systemRole, "the service, when the buyer's deadline passed"},
	EventWithdraw:     {[]Role{RoleBuyer}, "the buyer"},
	EventAssign: {StaffRoles, "a reviewer or senior reviewer of the dispute's team, for themselves; " +
		"a lead of the team or an admin, naming anyone"},
	EventRelease:          {StaffRoles, "the assignee, a lead of the team or an admin"},
	EventRequestInfo:      {StaffRoles, "the assignee"},
	EventProvideInfo:      {partyRoles, "the party asked"},
	EventInfoTimeout:      {systemRole, "the service, when the information's deadline passed"},
	EventDecide:           {StaffRoles, "the assignee"},
	EventAppeal:           {partyRoles, "the buyer or the seller"},
	EventAssignAppeal:     {appealReviewers, "a senior reviewer for themselves, or a lead of the team or an admin naming someone; never the reviewer who decided"},
	EventReleaseAppeal:    {StaffRoles, "the assignee, a lead of the team or an admin"},
	EventDecideAppeal:     {appealReviewers, "the assignee, if a senior reviewer, a lead or an admin"},
	EventClose:            {systemRole, "the service, when the appeal window passed; a settlement once its remedies are executed"},
	EventSettlementFailed: {systemRole, "the service, when a remedy of a settlement failed"},
}

// MayFireAs reports whether the table lets event e be fired as role r.
func MayFireAs(e Event, r Role) bool { return slices.Contains(Firers[e].Roles, r) }

// staffEvent reports whether only Trust & Safety staff fire e.
func staffEvent(e Event) bool {
	roles := Firers[e].Roles
	return len(roles) > 0 && !slices.ContainsFunc(roles, func(r Role) bool { return !slices.Contains(StaffRoles, r) })
}

// systemEvent reports whether only the system fires e.
func systemEvent(e Event) bool { return slices.Equal(Firers[e].Roles, systemRole) }
