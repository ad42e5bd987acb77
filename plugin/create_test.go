package plugin

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/manifest"
)

func getNodePool(t *testing.T, c *cluster, name string) (*karpv1.NodePool, error) {
	t.Helper()
	np := &karpv1.NodePool{}
	err := c.client.Get(context.Background(), client.ObjectKey{Name: name}, np)
	return np, err
}

func TestCreateNodePool(t *testing.T) {
	c := sharedCluster(t, "main", true)
	r := c.kubectlKarpenter(t, "create", "nodepool", "create-spot", "--preset", "spot-first", "--nodeclass", "create-missing",
		"--zones", "us-east-1a,us-east-1b", "--cpu-limit", "200", "--weight", "20", "--label", "team=web",
		"--taint", "dedicated=web:NoSchedule", "--consolidate-after", "5m").mustSucceed(t)
	if r.out != "nodepool.karpenter.sh/create-spot created\n" {
		t.Errorf("output = %q", r.out)
	}
	if !strings.Contains(r.errOut, `Warning: EC2NodeClass "create-missing" does not exist`) {
		t.Errorf("no warning about the missing EC2NodeClass: %q", r.errOut)
	}
	np, err := getNodePool(t, c, "create-spot")
	if err != nil {
		t.Fatalf("the NodePool was not created: %v", err)
	}
	if *np.Spec.Weight != 20 || limitOf(np, corev1.ResourceCPU) != "200" || np.Spec.Template.Labels["team"] != "web" ||
		np.Spec.Template.Spec.Taints[0].Key != "dedicated" || np.Spec.Disruption.ConsolidateAfter.String() != "5m" ||
		np.Spec.Template.Spec.NodeClassRef.Name != "create-missing" {
		t.Errorf("created NodePool spec = %+v", np.Spec)
	}
	if got := np.Spec.Disruption.Budgets; len(got) != 1 || got[0].Nodes != "10%" {
		t.Errorf("budgets = %v, want the CRD's default", got)
	}
	c.kubectlKarpenter(t, "create", "nodepool", "create-spot").mustFail(t, `NodePool "create-spot" already exists`, "kubectl edit")
}

func TestCreateNodePoolDryRun(t *testing.T) {
	c := sharedCluster(t, "main", true)
	c.create(t, plugintest.EC2NodeClass("create-present"))

	server := c.kubectlKarpenter(t, "create", "nodepool", "create-dry", "--nodeclass", "create-present", "--dry-run=server", "-o", "yaml").mustSucceed(t)
	var np karpv1.NodePool
	if err := yaml.Unmarshal([]byte(server.out), &np); err != nil {
		t.Fatalf("--dry-run=server -o yaml is not YAML: %v\n%s", err, server.out)
	}
	if np.UID == "" || len(np.Spec.Disruption.Budgets) != 1 {
		t.Errorf("--dry-run=server did not print the server's object (uid %q, budgets %v)", np.UID, np.Spec.Disruption.Budgets)
	}
	if server.errOut != "" {
		t.Errorf("a warning although the EC2NodeClass exists: %q", server.errOut)
	}
	msg := c.kubectlKarpenter(t, "create", "nodepool", "create-dry", "--nodeclass", "create-present", "--dry-run=server").mustSucceed(t)
	if msg.out != "nodepool.karpenter.sh/create-dry created (server dry run)\n" {
		t.Errorf("--dry-run=server printed %q", msg.out)
	}

	client := c.kubectlKarpenter(t, "create", "nodepool", "create-dry", "--preset", "gpu", "--dry-run=client", "-o", "yaml").mustSucceed(t)
	np = karpv1.NodePool{}
	if err := yaml.Unmarshal([]byte(client.out), &np); err != nil || np.Name != "create-dry" || np.UID != "" {
		t.Fatalf("--dry-run=client -o yaml = %v (uid %q): %s", err, np.UID, client.out)
	}
	if len(np.Spec.Template.Spec.Taints) != 1 || np.Spec.Template.Spec.Taints[0].Key != "nvidia.com/gpu" {
		t.Errorf("the gpu preset's taint is missing: %v", np.Spec.Template.Spec.Taints)
	}
	if _, err := getNodePool(t, c, "create-dry"); !apierrors.IsNotFound(err) {
		t.Errorf("a dry run persisted the NodePool (get: %v)", err)
	}
}

func TestCreateNodePoolRejectsInvalidFlagsBeforeSending(t *testing.T) {
	c := sharedCluster(t, "main", true)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"weight", []string{"--weight", "101"}, []string{"--weight: spec.weight", "less than or equal to 100", "fix: give --weight a whole number from 1 to 100"}},
		{"label domain", []string{"--label", "kubernetes.io/team=x"}, []string{"--label: spec.template.metadata.labels", `label domain "kubernetes.io" is restricted`}},
		{"taint effect", []string{"--taint", "a=b:Never"}, []string{"--taint a=b:Never: spec.template.spec.taints[0].effect", "taint effect must be one of"}},
		{"policy", []string{"--consolidation-policy", "Sometimes"}, []string{"--consolidation-policy: spec.disruption.consolidationPolicy", "Unsupported value"}},
		{"capacity type", []string{"--capacity-type", "cheap"}, []string{`invalid --capacity-type value "cheap"`}},
		{"dry-run mode", []string{"--dry-run=maybe"}, []string{`invalid --dry-run "maybe"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"create", "nodepool", "create-invalid"}, tc.args...)
			c.kubectlKarpenter(t, args...).mustFail(t, tc.want...)
			if _, err := getNodePool(t, c, "create-invalid"); !apierrors.IsNotFound(err) {
				t.Errorf("an invalid NodePool was sent (get: %v)", err)
			}
		})
	}
	c.kubectlKarpenter(t, "create", "nodepool", "Bad_Name").mustFail(t, "NAME: metadata.name", "RFC 1123")
	c.kubectlKarpenter(t, "create", "nodepool").mustFail(t, "give exactly one name")
}

// The client-side check is the CRD's own schema and CEL rules: every case it rejects, the API
// server rejects on the same field, and what it accepts the API server accepts.
func TestClientSideValidationAgreesWithTheAPIServer(t *testing.T) {
	c := sharedCluster(t, "main", true)
	dyn, err := dynamic.NewForConfig(c.cp.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	w0, w50 := int32(0), int32(50)
	for _, tc := range []struct {
		name  string
		flags manifest.Flags
		field string // "" when valid
	}{
		{"every preset default", manifest.Flags{}, ""},
		{"spot-first with flags", manifest.Flags{Preset: "spot-first", Weight: &w50, Labels: []string{"node.kubernetes.io/role=web"}, ExpireAfter: "Never"}, ""},
		{"gpu", manifest.Flags{Preset: "gpu"}, ""},
		{"arm64", manifest.Flags{Preset: "arm64"}, ""},
		{"weight 0", manifest.Flags{Weight: &w0}, "spec.weight"},
		{"kubernetes.io label", manifest.Flags{Labels: []string{"kubernetes.io/role=x"}}, "spec.template.metadata.labels"},
		{"k8s.io label", manifest.Flags{Labels: []string{"example.k8s.io/x=y"}}, "spec.template.metadata.labels"},
		{"karpenter.sh label", manifest.Flags{Labels: []string{"karpenter.sh/x=y"}}, "spec.template.metadata.labels"},
		{"nodepool label", manifest.Flags{Labels: []string{"karpenter.sh/nodepool=x"}}, "spec.template.metadata.labels"},
		{"hostname label", manifest.Flags{Labels: []string{"kubernetes.io/hostname=x"}}, "spec.template.metadata.labels"},
		{"karpenter.k8s.aws label", manifest.Flags{Labels: []string{"karpenter.k8s.aws/x=y"}}, "spec.template.metadata.labels"},
		{"label value", manifest.Flags{Labels: []string{"team=" + strings.Repeat("x", 64)}}, "spec.template.metadata.labels"},
		{"taint effect", manifest.Flags{Taints: []string{"a:Bad"}}, "spec.template.spec.taints"},
		{"policy", manifest.Flags{ConsolidationPolicy: "Never"}, "spec.disruption.consolidationPolicy"},
		{"consolidate after", manifest.Flags{ConsolidateAfter: "1500ms"}, "spec.disruption.consolidateAfter"},
		{"expire after", manifest.Flags{ExpireAfter: "10ms"}, "spec.template.spec.expireAfter"},
		{"zone requirement", manifest.Flags{Zones: []string{"us-east-1a"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := manifest.Build("agree", tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := spec.Unstructured()
			if err != nil {
				t.Fatal(err)
			}
			clientErr := manifest.Validate(context.Background(), obj, spec.Origins)
			_, serverErr := dyn.Resource(kube.NodePools).Create(context.Background(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if tc.field == "" {
				if clientErr != nil || serverErr != nil {
					t.Fatalf("want valid; client: %v; server: %v", clientErr, serverErr)
				}
				return
			}
			var verr *manifest.ValidationError
			if !errors.As(clientErr, &verr) || !hasField(verr, tc.field) {
				t.Errorf("client-side = %v, want an error on %s", clientErr, tc.field)
			}
			if !apierrors.IsInvalid(serverErr) || !strings.Contains(serverErr.Error(), tc.field) {
				t.Errorf("API server = %v, want Invalid on %s", serverErr, tc.field)
			}
		})
	}
}

func hasField(e *manifest.ValidationError, field string) bool {
	for _, fe := range e.Errors {
		if strings.HasPrefix(fe.Field, field) {
			return true
		}
	}
	return false
}

func TestCreateEC2NodeClass(t *testing.T) {
	c := sharedCluster(t, "main", true)
	c.kubectlKarpenter(t, "create", "ec2nodeclass", "create-nc").mustFail(t, "--cluster-name is required")
	c.kubectlKarpenter(t, "create", "ec2nodeclass", "create-nc", "--cluster-name", "prod", "--ami-alias", "ubuntu@latest").
		mustFail(t, "--ami-alias: spec.amiSelectorTerms", "family is not supported")

	r := c.kubectlKarpenter(t, "create", "ec2nodeclass", "create-nc", "--cluster-name", "prod").mustSucceed(t)
	if r.out != "ec2nodeclass.karpenter.k8s.aws/create-nc created\n" {
		t.Errorf("output = %q", r.out)
	}
	nc := &ec2v1.EC2NodeClass{}
	if err := c.client.Get(context.Background(), client.ObjectKey{Name: "create-nc"}, nc); err != nil {
		t.Fatal(err)
	}
	if nc.Spec.SubnetSelectorTerms[0].Tags["karpenter.sh/discovery"] != "prod" || nc.Spec.SecurityGroupSelectorTerms[0].Tags["karpenter.sh/discovery"] != "prod" ||
		nc.Spec.AMISelectorTerms[0].Alias != "al2023@latest" || nc.Spec.Role != "KarpenterNodeRole-prod" {
		t.Errorf("EC2NodeClass spec = %+v", nc.Spec)
	}
	// A NodePool that references it gets no warning.
	np := c.kubectlKarpenter(t, "create", "nodepool", "create-with-nc", "--nodeclass", "create-nc").mustSucceed(t)
	if np.errOut != "" {
		t.Errorf("warning although the EC2NodeClass exists: %q", np.errOut)
	}
}

func limitOf(np *karpv1.NodePool, name corev1.ResourceName) string {
	q, ok := np.Spec.Limits[name]
	if !ok {
		return ""
	}
	return q.String()
}
