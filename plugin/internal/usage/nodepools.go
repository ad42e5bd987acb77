package usage

import (
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// NodePool is one row of `top nodepools`.
type NodePool struct {
	Name  string `json:"name"`
	Nodes int    `json:"nodes"`
	Pods  int64  `json:"pods"`
	// CPU and Memory: the pods' requests, the nodes' allocatable, and the pool's limit
	// (negative when none).
	CPU    PoolAmount `json:"cpu"`
	Memory PoolAmount `json:"memory"`
	// PricePerHour sums the nodes' prices; Estimated is set when any is a catalog estimate and
	// Unpriced counts nodes without a price.
	PricePerHour float64 `json:"pricePerHour"`
	Estimated    bool    `json:"estimated"`
	Unpriced     int     `json:"unpriced,omitempty"`
}

// PoolAmount is what a pool's pods request, what its nodes can hold, and its limit.
type PoolAmount struct {
	Requested   int64 `json:"requested"`
	Allocatable int64 `json:"allocatable"`
	// Limit is -1 when the pool has none.
	Limit int64 `json:"limit"`
}

// NoPool groups the nodes no NodePool owns.
const NoPool = "<none>"

// NodePools sums the node rows per NodePool: every NodePool (even without nodes), then the
// nodes of no pool.
func NodePools(nodes []Node, pools []karpv1.NodePool) []NodePool {
	idx := map[string]int{}
	out := make([]NodePool, 0, len(pools)+1)
	for i := range pools {
		np := &pools[i]
		idx[np.Name] = len(out)
		out = append(out, NodePool{
			Name:   np.Name,
			CPU:    PoolAmount{Limit: limit(np.Spec.Limits, corev1.ResourceCPU, true)},
			Memory: PoolAmount{Limit: limit(np.Spec.Limits, corev1.ResourceMemory, false)},
		})
	}
	for _, n := range nodes {
		name := n.NodePool
		if name == "" {
			name = NoPool
		}
		i, ok := idx[name]
		if !ok {
			idx[name] = len(out)
			i = len(out)
			out = append(out, NodePool{Name: name, CPU: PoolAmount{Limit: -1}, Memory: PoolAmount{Limit: -1}})
		}
		p := &out[i]
		p.Nodes++
		p.Pods += n.Pods
		p.CPU.Requested += n.CPU.Requested
		p.CPU.Allocatable += n.CPU.Allocatable
		p.Memory.Requested += n.Memory.Requested
		p.Memory.Allocatable += n.Memory.Allocatable
		switch {
		case !n.Price.Known():
			p.Unpriced++
		default:
			p.PricePerHour += n.Price.PerHour
			p.Estimated = p.Estimated || n.Price.Estimated()
		}
	}
	return out
}

func limit(l karpv1.Limits, name corev1.ResourceName, milli bool) int64 {
	q, ok := l[name]
	if !ok {
		return -1
	}
	if milli {
		return q.MilliValue()
	}
	return q.Value()
}

// Totals sums every node row.
type Totals struct {
	Nodes        int     `json:"nodes"`
	Pods         int64   `json:"pods"`
	CPU          Amount  `json:"cpu"`
	Memory       Amount  `json:"memory"`
	PricePerHour float64 `json:"pricePerHour"`
	Estimated    bool    `json:"estimated"`
	// Measured counts the nodes with a usage measurement; MeasuredCPU and MeasuredMemory are
	// their allocatable, the base of the used percentages.
	Measured       int   `json:"measured,omitempty"`
	MeasuredCPU    int64 `json:"measuredCPU,omitempty"`
	MeasuredMemory int64 `json:"measuredMemory,omitempty"`
}

func add(sum *int64, v int64) *int64 {
	if sum == nil {
		return &v
	}
	*sum += v
	return sum
}

// Total sums the node rows. Used sums the measured nodes only; Measured counts them, so that a
// reader can tell a partial sum from a whole one.
func Total(nodes []Node) Totals {
	var t Totals
	for _, n := range nodes {
		if n.CPU.Used != nil && n.Memory.Used != nil {
			t.Measured++
			t.CPU.Used = add(t.CPU.Used, *n.CPU.Used)
			t.Memory.Used = add(t.Memory.Used, *n.Memory.Used)
			t.MeasuredCPU += n.CPU.Allocatable
			t.MeasuredMemory += n.Memory.Allocatable
		}
		t.Nodes++
		t.Pods += n.Pods
		t.CPU.Requested += n.CPU.Requested
		t.CPU.Allocatable += n.CPU.Allocatable
		t.Memory.Requested += n.Memory.Requested
		t.Memory.Allocatable += n.Memory.Allocatable
		if n.Price.Known() {
			t.PricePerHour += n.Price.PerHour
			t.Estimated = t.Estimated || n.Price.Estimated()
		}
	}
	return t
}

// TotalOfPools sums NodePool rows.
func TotalOfPools(pools []NodePool) Totals {
	var t Totals
	for _, p := range pools {
		t.Nodes += p.Nodes
		t.Pods += p.Pods
		t.CPU.Requested += p.CPU.Requested
		t.CPU.Allocatable += p.CPU.Allocatable
		t.Memory.Requested += p.Memory.Requested
		t.Memory.Allocatable += p.Memory.Allocatable
		t.PricePerHour += p.PricePerHour
		t.Estimated = t.Estimated || p.Estimated
	}
	return t
}
