package faults

import "syscall"

// childAttr makes the kernel kill the service if the test process dies
// first (a test timeout panics without running cleanups).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
