package generate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// columns is the CSV header we rely on, in the order render writes each row's fields. The
// catalog.Type struct declares its fields in this same order because the generated literals
// are positional (keyed literals would triple the file size).
var columns = []struct {
	name string
	kind kind
}{
	{"name", text},
	{"category", text},
	{"family", text},
	{"generation", integer},
	{"size", text},
	{"arch", text},
	{"vcpu", integer},
	{"memory_mib", integer},
	{"cpu_manufacturer", text},
	{"gpu_name", text},
	{"gpu_manufacturer", text},
	{"gpu_count", integer},
	{"gpu_memory_mib", integer},
	{"accelerator_name", text},
	{"accelerator_count", integer},
	{"network_bandwidth_mbps", integer},
	{"local_nvme_gib", integer},
	{"hypervisor", text},
	{"max_pods", integer},
	{"allocatable_cpu_millicores", integer},
	{"allocatable_memory_mib", integer},
	{"ondemand_usd_per_hour_us_east_1", price},
}

type kind int

const (
	text kind = iota
	integer
	price
)

// required must be present on every row that has facts; without them the converted
// InstanceType would silently claim zero pods or zero allocatable resources.
var required = []string{"arch", "max_pods", "allocatable_cpu_millicores", "allocatable_memory_mib"}

// row is one CSV record with every cell already rendered as a Go literal, in column order.
type row struct {
	name     string
	literals []string
}

// parse splits the CSV into rows with facts and rows that only carry a price. Rows lacking vcpu
// or memory are the known gaps (cr1.8xlarge, g2.*): kept for their price only.
func parse(r io.Reader) (facts, prices []row, err error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading header: %w", err)
	}
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[strings.TrimSpace(h)] = i
	}
	for _, c := range columns {
		if _, ok := index[c.name]; !ok {
			return nil, nil, fmt.Errorf("header lacks column %q", c.name)
		}
	}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading row: %w", err)
		}
		cell := func(col string) string { return strings.TrimSpace(rec[index[col]]) }
		name := cell("name")
		if name == "" {
			return nil, nil, fmt.Errorf("line %d: empty name", line)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("line %d: duplicate type %s", line, name)
		}
		seen[name] = true
		if cell("vcpu") == "" || cell("memory_mib") == "" {
			p, err := parsePrice(cell("ondemand_usd_per_hour_us_east_1"))
			if err != nil {
				return nil, nil, fmt.Errorf("line %d (%s): %w", line, name, err)
			}
			prices = append(prices, row{name, []string{strconv.Quote(name), p}})
			continue
		}
		for _, col := range required {
			if cell(col) == "" {
				return nil, nil, fmt.Errorf("line %d (%s): has vcpu and memory but no %s", line, name, col)
			}
		}
		lits := make([]string, len(columns))
		for i, c := range columns {
			if lits[i], err = literal(c.kind, cell(c.name)); err != nil {
				return nil, nil, fmt.Errorf("line %d (%s) column %s: %w", line, name, c.name, err)
			}
		}
		facts = append(facts, row{name, lits})
	}
	// Sorting here, not trusting the CSV order, keeps the output stable and lets the catalog
	// binary-search by name.
	byName := func(a, b row) int { return strings.Compare(a.name, b.name) }
	slices.SortFunc(facts, byName)
	slices.SortFunc(prices, byName)
	return facts, prices, nil
}

func literal(k kind, v string) (string, error) {
	switch k {
	case integer:
		// An empty cell means "not applicable"; zero says the same in the struct and the
		// catalog omits the label. gpu_count is the exception (fractional GPUs report 0),
		// which the catalog handles by keying GPU labels on the GPU name.
		if v == "" {
			return "0", nil
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return "", fmt.Errorf("not a non-negative integer: %q", v)
		}
		return strconv.FormatInt(n, 10), nil
	case price:
		return parsePrice(v)
	default:
		return strconv.Quote(v), nil
	}
}

// parsePrice renders the shortest literal that parses back to the same float64, so the
// generated value equals strconv.ParseFloat of the CSV cell exactly.
func parsePrice(v string) (string, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || !(p > 0) {
		return "", fmt.Errorf("not a positive price: %q", v)
	}
	return strconv.FormatFloat(p, 'f', -1, 64), nil
}
