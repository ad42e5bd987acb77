package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

// The describe fixture gives NodePool get-a a node get-node-1 (2 cpu, 8Gi) running a pod of
// 500m and 1Gi, through NodeClaim get-a-priced ($0.0960/h), and NodeClaim get-a-spot, a
// c5.xlarge spot in us-east-1b without a node yet.
func TestTopNodes(t *testing.T) {
	c := describeFixture(t)
	r := c.kubectlKarpenter(t, "top", "nodes", "-l", "karpenter.sh/nodepool=get-a", "--sort-by", "cpu").mustSucceed(t)
	rows := tableRows(t, r.out)
	if got := strings.Join(rows[0], " "); got != "NAME NODEPOOL INSTANCE-TYPE CAPACITY ZONE PODS CPU% MEMORY% $/H AGE STATE" {
		t.Errorf("header = %q", got)
	}
	if len(rows) != 4 || rows[1][0] != "get-node-1" || rows[2][0] != "get-a-spot" {
		t.Fatalf("want get-node-1 (25%% cpu) before get-a-spot, then the total:\n%s", r.out)
	}
	node := rows[1]
	if strings.Join(node[5:9], " ") != "1/110 25% 13% $0.0960" || node[len(node)-1] != "Registered" {
		t.Errorf("get-node-1 = %v, want 1/110 pods, 25%% cpu, 13%% memory, $0.0960, Registered", node)
	}
	spotPrice := price.Format(catalog.SpotPrice("c5.xlarge", "us-east-1b"))
	spot := rows[2]
	if strings.Join(spot[1:5], " ") != "get-a c5.xlarge spot us-east-1b" || spot[8] != spotPrice || spot[9] != "est." || spot[len(spot)-1] != "Launched" {
		t.Errorf("get-a-spot = %v, want the launching NodeClaim priced %s est.", spot, spotPrice)
	}
	if !strings.HasPrefix(strings.Join(rows[3], " "), "Total: 2 nodes, 1 pods, CPU 0.5/2 cores (25%)") {
		t.Errorf("total = %v", rows[3])
	}

	byPrice := c.kubectlKarpenter(t, "top", "-l", "karpenter.sh/nodepool=get-a", "--sort-by", "price", "--no-headers").mustSucceed(t)
	rows = tableRows(t, byPrice.out)
	if len(rows) != 2 || rows[0][0] != "get-a-spot" {
		t.Errorf("--sort-by price --no-headers:\n%s", byPrice.out)
	}

	js := c.kubectlKarpenter(t, "top", "nodes", "-l", "karpenter.sh/nodepool=get-a", "-o", "json").mustSucceed(t)
	var out struct {
		Nodes []usage.Node
		Total usage.Totals
	}
	if err := json.Unmarshal([]byte(js.out), &out); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js.out)
	}
	if len(out.Nodes) != 2 || out.Total.CPU.Requested != 500 || out.Total.CPU.Allocatable != 2000 {
		t.Errorf("-o json = %+v", out)
	}
}

func TestTopNodePools(t *testing.T) {
	c := describeFixture(t)
	r := c.kubectlKarpenter(t, "top", "nodepools", "-l", "team=get", "-o", "wide").mustSucceed(t)
	rows := tableRows(t, r.out)
	want := price.Format(0.0960+catalog.SpotPrice("c5.xlarge", "us-east-1b")) + " est."
	pool := rowOf(t, rows, "get-a")
	if got := strings.Join(pool, " "); !strings.HasPrefix(got, "get-a 2 0.5/2/100 25% 1/8/- 13% "+want) {
		t.Errorf("get-a = %q, want 2 nodes, cpu 0.5/2/100, memory 1/8/-, %s", got, want)
	}
	c.kubectlKarpenter(t, "top", "widgets").mustFail(t, `unknown resource "widgets"`)
	c.kubectlKarpenter(t, "top", "nodepools", "--sort-by", "age").mustFail(t, `invalid --sort-by "age"`, "name, nodes, cpu, memory, price")
	c.kubectlKarpenter(t, "top", "-o", "name").mustFail(t, `unknown output format "name"`)
}
