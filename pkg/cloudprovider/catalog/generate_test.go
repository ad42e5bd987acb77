package catalog

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog/internal/generate"
)

// csvPath is the //go:generate input, relative to this package directory.
const csvPath = "../../../../shared/data/ec2-instance-types.csv"

const generatedFile = "zz_generated_catalog.go"

// TestGeneratedFileIsCurrent doubles as CI's staleness check: a CSV edit without go generate
// fails here.
func TestGeneratedFileIsCurrent(t *testing.T) {
	committed, err := os.ReadFile(generatedFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("matches CSV", func(t *testing.T) {
		if _, err := os.Stat(csvPath); errors.Is(err, fs.ErrNotExist) {
			t.Logf("not applicable: %s is absent in this clone, so the committed %s cannot be checked against it", csvPath, generatedFile)
			return
		}
		out := filepath.Join(t.TempDir(), generatedFile)
		if err := generate.Run(csvPath, out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		fresh, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("%s is stale: run `go generate ./pkg/cloudprovider/catalog` and commit the result", generatedFile)
		}
	})
	t.Run("header", func(t *testing.T) {
		first, _, _ := bytes.Cut(committed, []byte("\n"))
		if !bytes.HasPrefix(first, []byte("// Code generated ")) || !bytes.HasSuffix(first, []byte(" DO NOT EDIT.")) {
			t.Errorf("first line %q is not a standard generated-code marker", first)
		}
	})
}

func TestGenerateSkipsMissingCSV(t *testing.T) {
	out := filepath.Join(t.TempDir(), generatedFile)
	var stderr bytes.Buffer
	if err := generate.Run(filepath.Join(t.TempDir(), "absent.csv"), out, &stderr); err != nil {
		t.Fatalf("missing CSV must not fail go generate: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("output was touched: stat err = %v", err)
	}
	if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "not found") {
		t.Errorf("want a one-line note on stderr, got %q", msg)
	}
}

func TestGenerateSource(t *testing.T) {
	const head = "name,category,family,generation,size,arch,vcpu,memory_mib,cpu_manufacturer,gpu_name,gpu_manufacturer,gpu_count,gpu_memory_mib,accelerator_name,accelerator_count,network_bandwidth_mbps,local_nvme_gib,hypervisor,max_pods,allocatable_cpu_millicores,allocatable_memory_mib,ondemand_usd_per_hour_us_east_1\n"
	const m5 = "m5.large,m,m5,5,large,amd64,2,8192,intel,,,,,,,750,,nitro,29,1930,6903,0.096000\n"
	const a1 = "a1.large,a,a1,1,large,arm64,2,4096,aws,,,,,,,750,,nitro,29,1930,3055,0.051000\n"
	const gap = "g2.2xlarge,,g2,,2xlarge,,,,,,,,,,,,,,,,,0.650000\n"

	src, err := generate.Source(strings.NewReader(head + m5 + gap + a1))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	a, m := strings.Index(s, `{"a1.large"`), strings.Index(s, `{"m5.large"`)
	if a < 0 || m < 0 || a > m {
		t.Errorf("rows missing or not sorted by name:\n%s", s)
	}
	if !strings.Contains(s, `{"m5.large", "m", "m5", 5, "large", "amd64", 2, 8192, "intel", "", "", 0, 0, "", 0, 750, 0, "nitro", 29, 1930, 6903, 0.096},`) {
		t.Errorf("m5.large literal wrong:\n%s", s)
	}
	if strings.Contains(s, `{"g2.2xlarge", "`) || !strings.Contains(s, `{"g2.2xlarge", 0.65},`) {
		t.Errorf("fact-less row must be in the price table only:\n%s", s)
	}

	for name, csv := range map[string]string{
		"missing column":       strings.Replace(head, ",max_pods", "", 1),
		"duplicate":            head + m5 + m5,
		"bad integer":          head + strings.Replace(m5, ",29,", ",x,", 1),
		"facts without pods":   head + strings.Replace(m5, ",29,", ",,", 1),
		"missing price":        head + strings.Replace(m5, "0.096000", "", 1),
		"price-only bad price": head + strings.Replace(gap, "0.650000", "free", 1),
	} {
		if _, err := generate.Source(strings.NewReader(csv)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
