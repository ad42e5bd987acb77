package kube

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MetricsGroup is the API group metrics-server (or any resource metrics adapter) serves.
const MetricsGroup = "metrics.k8s.io"

var nodeMetricsResource = schema.GroupResource{Group: MetricsGroup, Resource: "nodes"}

// NodeUsage is what the resource metrics API reports a node uses now: CPU in millicores,
// memory in bytes (the working set).
type NodeUsage struct {
	CPU    int64 `json:"cpu"`
	Memory int64 `json:"memory"`
}

// nodeMetricsList is the part of metrics.k8s.io's NodeMetricsList the plugin reads. Local
// structs, not k8s.io/metrics: that module is not a dependency, and two fields do not justify
// one.
type nodeMetricsList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Usage corev1.ResourceList `json:"usage"`
	} `json:"items"`
}

// MetricsVersion returns the served version of metrics.k8s.io (v1beta1 preferred), or "" when
// the cluster does not serve the group: no metrics-server is installed.
func (c *Clients) MetricsVersion() (string, error) {
	groups, err := c.Kube.Discovery().ServerGroups()
	if err != nil {
		if isUnreachable(err) {
			return "", &UnreachableError{Server: c.Server, Err: err}
		}
		return "", fmt.Errorf("listing the API groups the server at %s serves: %w", c.Server, err)
	}
	for _, g := range groups.Groups {
		if g.Name != MetricsGroup {
			continue
		}
		for _, v := range g.Versions {
			if v.Version == "v1beta1" {
				return v.Version, nil
			}
		}
		return g.PreferredVersion.Version, nil
	}
	return "", nil
}

// ListNodeUsage lists the usage of every node matching the label selector in one call to the
// resource metrics API at version, keyed by node name. A node metrics-server has not scraped
// yet is absent.
func (c *Clients) ListNodeUsage(ctx context.Context, version, labelSelector string) (map[string]NodeUsage, error) {
	req := c.Kube.Discovery().RESTClient().Get().AbsPath("/apis", MetricsGroup, version, "nodes")
	if labelSelector != "" {
		req = req.Param("labelSelector", labelSelector)
	}
	raw, err := req.DoRaw(ctx)
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "list", Resource: nodeMetricsResource})
	}
	var list nodeMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("decoding the NodeMetricsList of %s/%s: %w", MetricsGroup, version, err)
	}
	out := make(map[string]NodeUsage, len(list.Items))
	for _, item := range list.Items {
		out[item.Metadata.Name] = NodeUsage{CPU: item.Usage.Cpu().MilliValue(), Memory: item.Usage.Memory().Value()}
	}
	return out, nil
}
