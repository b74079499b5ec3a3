package dispute

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Teams lists every team.
var Teams = []Team{TeamLogistics, TeamObjectExperts, TeamTrustSafety, TeamPayments, TeamCustomerSupport}

// Valid reports whether t is a known team.
func (t Team) Valid() bool { return slices.Contains(Teams, t) }

// RoutingTable maps every reason to the team that reviews it.
type RoutingTable map[Reason]Team

// DefaultRouting returns a copy of the routing of lifecycle.md.
func DefaultRouting() RoutingTable { return maps.Clone(RoutingTable(Routing)) }

// ParseRouting reads overrides of the default routing such as
// "item_damaged=object_experts,other=logistics". Every reason and team must
// be known; reasons not named keep their default team.
func ParseRouting(spec string) (RoutingTable, error) {
	rt := DefaultRouting()
	for _, pair := range strings.Split(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		r, t, ok := strings.Cut(pair, "=")
		reason, team := Reason(strings.TrimSpace(r)), Team(strings.TrimSpace(t))
		switch {
		case !ok:
			return nil, fmt.Errorf("routing: %q is not reason=team", pair)
		case !reason.Valid():
			return nil, fmt.Errorf("routing: unknown reason %q", reason)
		case !team.Valid():
			return nil, fmt.Errorf("routing: unknown team %q", team)
		}
		rt[reason] = team
	}
	return rt, nil
}

// String renders the table as a spec ParseRouting reads.
func (rt RoutingTable) String() string {
	keys := slices.Sorted(maps.Keys(rt))
	parts := make([]string, len(keys))
	for i, r := range keys {
		parts[i] = string(r) + "=" + string(rt[r])
	}
	return strings.Join(parts, ",")
}
