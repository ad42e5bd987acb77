package scheduling

import (
	corev1 "k8s.io/api/core/v1"
)

// hostPort is one port a pod binds on its node.
type hostPort struct {
	protocol corev1.Protocol
	ip       string
	port     int32
}

func (h hostPort) conflicts(o hostPort) bool {
	if h.port != o.port || h.protocol != o.protocol {
		return false
	}
	// 0.0.0.0 (or empty) binds every address, so it clashes with any address on the port.
	return h.ip == o.ip || isAnyIP(h.ip) || isAnyIP(o.ip)
}

func isAnyIP(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }

// podHostPorts lists the host ports of the pod's containers and sidecars, as kube-scheduler's
// NodePorts plugin does.
func podHostPorts(pod *corev1.Pod) []hostPort {
	var out []hostPort
	add := func(cs []corev1.Container, sidecarsOnly bool) {
		for i := range cs {
			if sidecarsOnly && (cs[i].RestartPolicy == nil || *cs[i].RestartPolicy != corev1.ContainerRestartPolicyAlways) {
				continue
			}
			for _, p := range cs[i].Ports {
				if p.HostPort <= 0 {
					continue
				}
				proto := p.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				out = append(out, hostPort{protocol: proto, ip: p.HostIP, port: p.HostPort})
			}
		}
	}
	add(pod.Spec.InitContainers, true)
	add(pod.Spec.Containers, false)
	return out
}

// portConflict returns the first of want that clashes with used.
func portConflict(used, want []hostPort) (hostPort, bool) {
	for _, w := range want {
		for _, u := range used {
			if w.conflicts(u) {
				return w, true
			}
		}
	}
	return hostPort{}, false
}
