package aws

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// mimeBoundary separates the parts of the user data; nodeadm reads every application/node.eks.aws
// part and merges them in order.
const mimeBoundary = "//"

// nodeConfig is nodeadm's NodeConfig (node.eks.aws/v1alpha1), the part of it the agent writes.
type nodeConfig struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Spec       nodeConfigSpec `json:"spec"`
}

type nodeConfigSpec struct {
	Cluster struct {
		Name                 string `json:"name"`
		APIServerEndpoint    string `json:"apiServerEndpoint"`
		CertificateAuthority string `json:"certificateAuthority,omitempty"`
		CIDR                 string `json:"cidr,omitempty"`
	} `json:"cluster"`
	Kubelet struct {
		Config map[string]any `json:"config,omitempty"`
		Flags  []string       `json:"flags,omitempty"`
	} `json:"kubelet"`
}

// userData is the AL2023 user data of the node class's nodes: a NodeConfig that joins the
// cluster with the NodeClaim's labels and taints, followed by the node class's own user data.
// Pod density is left to nodeadm, which derives it from the instance type, unless the node class
// sets it, so one launch template serves every instance type of an AMI.
func (p *Provider) userData(nc *ec2v1.EC2NodeClass, labels map[string]string, taints []corev1.Taint) (string, error) {
	cfg := nodeConfig{APIVersion: "node.eks.aws/v1alpha1", Kind: "NodeConfig"}
	cfg.Spec.Cluster.Name = p.opts.ClusterName
	cfg.Spec.Cluster.APIServerEndpoint = p.opts.ClusterEndpoint
	if len(p.opts.ClusterCABundle) > 0 {
		cfg.Spec.Cluster.CertificateAuthority = base64.StdEncoding.EncodeToString(p.opts.ClusterCABundle)
	}
	cfg.Spec.Cluster.CIDR = p.opts.ServiceCIDR
	if k := nc.Spec.Kubelet; k != nil {
		c := map[string]any{}
		if k.MaxPods != nil {
			c["maxPods"] = *k.MaxPods
		}
		if k.PodsPerCore != nil {
			c["podsPerCore"] = *k.PodsPerCore
		}
		if len(k.ClusterDNS) > 0 {
			c["clusterDNS"] = k.ClusterDNS
		}
		for key, m := range map[string]map[string]string{"systemReserved": k.SystemReserved, "kubeReserved": k.KubeReserved, "evictionHard": k.EvictionHard, "evictionSoft": k.EvictionSoft} {
			if len(m) > 0 {
				c[key] = m
			}
		}
		if k.ImageGCHighThresholdPercent != nil {
			c["imageGCHighThresholdPercent"] = *k.ImageGCHighThresholdPercent
		}
		if k.ImageGCLowThresholdPercent != nil {
			c["imageGCLowThresholdPercent"] = *k.ImageGCLowThresholdPercent
		}
		if k.CPUCFSQuota != nil {
			c["cpuCFSQuota"] = *k.CPUCFSQuota
		}
		if len(c) > 0 {
			cfg.Spec.Kubelet.Config = c
		}
	}
	if len(labels) > 0 {
		parts := make([]string, 0, len(labels))
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			parts = append(parts, k+"="+labels[k])
		}
		cfg.Spec.Kubelet.Flags = append(cfg.Spec.Kubelet.Flags, "--node-labels="+strings.Join(parts, ","))
	}
	if len(taints) > 0 {
		parts := make([]string, 0, len(taints))
		for _, t := range taints {
			parts = append(parts, fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect))
		}
		cfg.Spec.Kubelet.Flags = append(cfg.Spec.Kubelet.Flags, "--register-with-taints="+strings.Join(parts, ","))
	}
	doc, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encoding the NodeConfig of EC2NodeClass %s: %w", nc.Name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", mimeBoundary)
	writePart(&b, "application/node.eks.aws", string(doc))
	if nc.Spec.UserData != nil && strings.TrimSpace(*nc.Spec.UserData) != "" {
		ud := *nc.Spec.UserData
		kind := "application/node.eks.aws"
		if strings.HasPrefix(ud, "#!") {
			kind = "text/x-shellscript"
		}
		writePart(&b, kind, ud)
	}
	fmt.Fprintf(&b, "--%s--\r\n", mimeBoundary)
	return base64.StdEncoding.EncodeToString([]byte(b.String())), nil
}

func writePart(b *strings.Builder, contentType, body string) {
	fmt.Fprintf(b, "--%s\r\nContent-Type: %s\r\n\r\n%s", mimeBoundary, contentType, body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\r\n")
	}
}
