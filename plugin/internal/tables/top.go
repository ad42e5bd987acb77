package tables

import (
	"fmt"
	"math"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

// TopNodeColumns are the columns of `top nodes`; requested amounts and bars are wide.
var TopNodeColumns = []metav1.TableColumnDefinition{
	column("Name", "string", "Node, or NodeClaim still without a node", 0),
	column("NodePool", "string", "karpenter.sh/nodepool label", 0),
	column("Instance-Type", "string", "node.kubernetes.io/instance-type label", 0),
	column("Capacity", "string", "karpenter.sh/capacity-type label", 0),
	column("Zone", "string", "topology.kubernetes.io/zone label", 0),
	column("Pods", "string", "Pods bound / allocatable pods", 0),
	column("CPU%", "string", "CPU requested / allocatable", 0),
	column("Memory%", "string", "Memory requested / allocatable", 0),
	column("$/H", "string", "Hourly price; est. when estimated from the catalog", 0),
	column("Age", "date", "Time since creation", 0),
	column("State", "string", "Launching, Launched, Registered, Initialized, Cordoned, Deleting or Unmanaged", 0),
	column("CPU", "string", "CPU requested / allocatable, in cores", 1),
	column("CPU-Bar", "string", "CPU requested / allocatable", 1),
	column("Memory", "string", "Memory requested / allocatable, in GiB", 1),
	column("Memory-Bar", "string", "Memory requested / allocatable", 1),
	column("NodeClaim", "string", "The node's NodeClaim", 1),
}

// TopNodeUsageColumns follow CPU% and Memory% when the cluster serves metrics.k8s.io: what the
// node uses now against allocatable, beside what its pods request.
var TopNodeUsageColumns = []metav1.TableColumnDefinition{
	column("CPU-Used%", "string", "CPU in use (metrics.k8s.io) / allocatable", 0),
	column("Memory-Used%", "string", "Memory working set (metrics.k8s.io) / allocatable", 0),
}

// Unknown is what a node without a measurement prints in the usage columns, as kubectl top
// prints it.
const Unknown = "<unknown>"

// topNodeUsageAfter is the index in TopNodeColumns after which each usage column goes
// (CPU% and Memory%).
var topNodeUsageAfter = [2]int{6, 7}

// TopNodes builds the table of `top nodes`, with the usage columns when any row has a
// measurement.
func TopNodes(rows []usage.Node, now time.Time) *metav1.Table {
	withUsage := usage.HasUsage(rows)
	t := &metav1.Table{ColumnDefinitions: TopNodeColumns}
	if withUsage {
		t.ColumnDefinitions = withUsageColumns(TopNodeColumns)
	}
	for _, r := range rows {
		cells := []interface{}{
			r.Name, orNone(r.NodePool), orNone(r.InstanceType), orNone(r.CapacityType), orNone(r.Zone),
			fmt.Sprintf("%d/%d", r.Pods, r.MaxPods),
			Percent(r.CPU.Percent()), Percent(r.Memory.Percent()),
			r.Price.String(), Age(metav1.NewTime(r.Created), now), r.State,
			Cores(r.CPU.Requested) + "/" + Cores(r.CPU.Allocatable), Bar(r.CPU.Percent()),
			GiB(r.Memory.Requested) + "/" + GiB(r.Memory.Allocatable), Bar(r.Memory.Percent()),
			orNone(r.NodeClaim),
		}
		if withUsage {
			cells = withUsageCells(cells, usedPercent(r.CPU), usedPercent(r.Memory))
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: cells})
	}
	return t
}

func withUsageColumns(cols []metav1.TableColumnDefinition) []metav1.TableColumnDefinition {
	out := make([]metav1.TableColumnDefinition, 0, len(cols)+2)
	out = append(out, cols[:topNodeUsageAfter[0]+1]...)
	out = append(out, TopNodeUsageColumns[0])
	out = append(out, cols[topNodeUsageAfter[0]+1:topNodeUsageAfter[1]+1]...)
	out = append(out, TopNodeUsageColumns[1])
	return append(out, cols[topNodeUsageAfter[1]+1:]...)
}

func withUsageCells(cells []interface{}, cpu, mem string) []interface{} {
	out := make([]interface{}, 0, len(cells)+2)
	out = append(out, cells[:topNodeUsageAfter[0]+1]...)
	out = append(out, cpu)
	out = append(out, cells[topNodeUsageAfter[0]+1:topNodeUsageAfter[1]+1]...)
	out = append(out, mem)
	return append(out, cells[topNodeUsageAfter[1]+1:]...)
}

func usedPercent(a usage.Amount) string {
	p, ok := a.UsedPercent()
	if !ok {
		return Unknown
	}
	return Percent(p)
}

// TopNodePoolColumns are the columns of `top nodepools`.
var TopNodePoolColumns = []metav1.TableColumnDefinition{
	column("Name", "string", "NodePool", 0),
	column("Nodes", "integer", "Nodes and NodeClaims of the pool", 0),
	column("CPU", "string", "Cores requested / allocatable / limit", 0),
	column("CPU%", "string", "CPU requested / allocatable", 0),
	column("Memory", "string", "GiB requested / allocatable / limit", 0),
	column("Memory%", "string", "Memory requested / allocatable", 0),
	column("$/H", "string", "Hourly price of the pool's nodes", 0),
	column("$/Month", "string", "Monthly price at 730 h", 0),
	column("CPU-Bar", "string", "CPU requested / allocatable", 1),
	column("Memory-Bar", "string", "Memory requested / allocatable", 1),
}

// TopNodePools builds the table of `top nodepools`.
func TopNodePools(rows []usage.NodePool) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: TopNodePoolColumns}
	for _, r := range rows {
		cpu := usage.Amount{Requested: r.CPU.Requested, Allocatable: r.CPU.Allocatable}
		mem := usage.Amount{Requested: r.Memory.Requested, Allocatable: r.Memory.Allocatable}
		cost, monthly := price.Format(r.PricePerHour), price.FormatMonthly(r.PricePerHour)
		if r.Estimated {
			cost += " est."
		}
		if r.Nodes > 0 && r.Unpriced == r.Nodes {
			cost, monthly = "-", "-"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []interface{}{
			r.Name, r.Nodes,
			Cores(r.CPU.Requested) + "/" + Cores(r.CPU.Allocatable) + "/" + limitText(r.CPU.Limit, Cores),
			Percent(cpu.Percent()),
			GiB(r.Memory.Requested) + "/" + GiB(r.Memory.Allocatable) + "/" + limitText(r.Memory.Limit, GiB),
			Percent(mem.Percent()),
			cost, monthly,
			Bar(cpu.Percent()), Bar(mem.Percent()),
		}})
	}
	return t
}

// TotalLine summarises every node in one line.
func TotalLine(t usage.Totals) string {
	cost := price.Format(t.PricePerHour) + "/h"
	if t.Estimated {
		cost += " est."
	}
	line := fmt.Sprintf("Total: %d nodes, %d pods, CPU %s/%s cores (%s), memory %s/%s GiB (%s), %s (%s/month)",
		t.Nodes, t.Pods, Cores(t.CPU.Requested), Cores(t.CPU.Allocatable), Percent(t.CPU.Percent()),
		GiB(t.Memory.Requested), GiB(t.Memory.Allocatable), Percent(t.Memory.Percent()), cost, price.FormatMonthly(t.PricePerHour))
	if t.Measured == 0 || t.CPU.Used == nil || t.Memory.Used == nil {
		return line
	}
	// The used percentages are of the measured nodes' allocatable only, so that a node not
	// scraped yet does not dilute them.
	cpu := usage.Amount{Allocatable: t.MeasuredCPU, Used: t.CPU.Used}
	mem := usage.Amount{Allocatable: t.MeasuredMemory, Used: t.Memory.Used}
	cpuPct, _ := cpu.UsedPercent()
	memPct, _ := mem.UsedPercent()
	return line + fmt.Sprintf("; in use on %d measured node(s): CPU %s cores (%s), memory %s GiB (%s)",
		t.Measured, Cores(*t.CPU.Used), Percent(cpuPct), GiB(*t.Memory.Used), Percent(memPct))
}

func limitText(v int64, format func(int64) string) string {
	if v < 0 {
		return "-"
	}
	return format(v)
}

// Percent prints a whole percentage.
func Percent(p float64) string { return fmt.Sprintf("%d%%", int(math.Round(p))) }

// Cores prints millicores as cores with one decimal, dropping ".0".
func Cores(milli int64) string { return trimZero(fmt.Sprintf("%.1f", float64(milli)/1000)) }

// GiB prints bytes as GiB with one decimal, dropping ".0".
func GiB(bytes int64) string { return trimZero(fmt.Sprintf("%.1f", float64(bytes)/(1<<30))) }

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// barWidth is the number of cells of a usage bar.
const barWidth = 10

// Bar draws a percentage as [####------]; above 100% it is full and ends with '!'.
func Bar(p float64) string {
	n := int(math.Round(p / 100 * barWidth))
	end := "]"
	if n > barWidth {
		n, end = barWidth, "!"
	}
	if n < 0 {
		n = 0
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", barWidth-n) + end
}
