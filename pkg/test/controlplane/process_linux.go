package controlplane

import "syscall"

// sysProcAttr puts each component in its own process group, so a Ctrl-C aimed at `go test`
// reaches the test (which stops the components in order) rather than every component at once,
// and asks the kernel to SIGKILL the component if the test process dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
