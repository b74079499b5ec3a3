package webhook

// Control is the guard's dial-time check, exported for the tests: it judges
// the address a delivery is about to connect to.
func (g Guard) Control(network, address string) error { return g.control(network, address, nil) }
