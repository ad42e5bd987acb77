//go:build !linux

package controlplane

import "syscall"

// sysProcAttr puts each component in its own process group; outside Linux there is no parent
// death signal, so a test process killed with SIGKILL leaves its components behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
