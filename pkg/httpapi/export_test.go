package httpapi

import "reflect"

// RequestRules exposes the request rules, by generated type, to the test
// that checks them against the document.
func RequestRules() map[reflect.Type]map[string]string {
	out := map[reflect.Type]map[string]string{}
	for _, r := range requestRules {
		out[reflect.TypeOf(r.body)] = r.rules
	}
	return out
}

// HoldPageSlots takes every slot of the server's page gate until release is
// called: the page reads that come meanwhile wait.
func (s *Server) HoldPageSlots() (release func()) {
	for range cap(s.pages.slots) {
		s.pages.slots <- struct{}{}
	}
	return func() {
		for range cap(s.pages.slots) {
			<-s.pages.slots
		}
	}
}
