package usage

import (
	"fmt"
	"sort"
	"strings"
)

// NodeSortKeys are the values of `top nodes --sort-by`.
var NodeSortKeys = []string{"name", "nodepool", "cpu", "memory", "pods", "price", "age"}

// PoolSortKeys are the values of `top nodepools --sort-by`.
var PoolSortKeys = []string{"name", "nodes", "cpu", "memory", "price"}

// CheckSortKey rejects a key not in keys.
func CheckSortKey(key string, keys []string) error {
	for _, k := range keys {
		if k == key {
			return nil
		}
	}
	return fmt.Errorf("invalid --sort-by %q: use one of %s", key, strings.Join(keys, ", "))
}

// SortNodes sorts by key: name and nodepool ascending, the amounts and the price highest first,
// age oldest first. Ties keep name order.
func SortNodes(rows []Node, key string) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	less := map[string]func(a, b *Node) bool{
		"name":     func(a, b *Node) bool { return a.Name < b.Name },
		"nodepool": func(a, b *Node) bool { return a.NodePool < b.NodePool },
		"cpu":      func(a, b *Node) bool { return a.CPU.Percent() > b.CPU.Percent() },
		"memory":   func(a, b *Node) bool { return a.Memory.Percent() > b.Memory.Percent() },
		"pods":     func(a, b *Node) bool { return a.Pods > b.Pods },
		"price":    func(a, b *Node) bool { return a.Price.PerHour > b.Price.PerHour },
		"age":      func(a, b *Node) bool { return a.Created.Before(b.Created) },
	}[key]
	if less == nil {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(&rows[i], &rows[j]) })
}

// SortNodePools sorts by key, amounts and price highest first.
func SortNodePools(rows []NodePool, key string) {
	less := map[string]func(a, b *NodePool) bool{
		"name":   func(a, b *NodePool) bool { return a.Name < b.Name },
		"nodes":  func(a, b *NodePool) bool { return a.Nodes > b.Nodes },
		"cpu":    func(a, b *NodePool) bool { return pct(a.CPU) > pct(b.CPU) },
		"memory": func(a, b *NodePool) bool { return pct(a.Memory) > pct(b.Memory) },
		"price":  func(a, b *NodePool) bool { return a.PricePerHour > b.PricePerHour },
	}[key]
	if less == nil {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(&rows[i], &rows[j]) })
}

func pct(a PoolAmount) float64 {
	return Amount{Requested: a.Requested, Allocatable: a.Allocatable}.Percent()
}
