package manifest

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/karpenter-tools/kubectl-karpenter/manifests/crds"
	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/crdvalidate"
)

// DiscoveryTagKey is the tag Karpenter's getting-started guide puts on a cluster's subnets and
// security groups.
const DiscoveryTagKey = "karpenter.sh/discovery"

// NodeClassFlags are the values of `create ec2nodeclass`'s flags.
type NodeClassFlags struct {
	ClusterName string
	// Role is the nodes' IAM role; KarpenterNodeRole-<cluster> when neither it nor
	// InstanceProfile is given.
	Role            string
	InstanceProfile string
	AMIAlias        string
}

var nodeClassValidator = sync.OnceValues(func() (*crdvalidate.Validator, error) {
	return crdvalidate.New(crds.EC2NodeClasses, ec2v1.SchemeGroupVersion.Version)
})

// BuildEC2NodeClass returns the EC2NodeClass: subnets and security groups selected by the
// cluster's discovery tag, the AMI alias, and the role.
func BuildEC2NodeClass(name string, f NodeClassFlags) (map[string]interface{}, Origins, error) {
	if f.ClusterName == "" {
		return nil, nil, fmt.Errorf("--cluster-name is required: the subnets and security groups are selected by the tag %s=<cluster-name>", DiscoveryTagKey)
	}
	if f.Role != "" && f.InstanceProfile != "" {
		return nil, nil, fmt.Errorf("--role and --instance-profile cannot be used together: give the IAM role (Karpenter makes the instance profile) or an existing instance profile")
	}
	alias := f.AMIAlias
	if alias == "" {
		alias = "al2023@latest"
	}
	discovery := map[string]string{DiscoveryTagKey: f.ClusterName}
	nc := &ec2v1.EC2NodeClass{
		TypeMeta:   metav1.TypeMeta{APIVersion: ec2v1.SchemeGroupVersion.String(), Kind: "EC2NodeClass"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: discovery}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: discovery}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: alias}},
		},
	}
	origins := Origins{
		"metadata.name":                   "NAME",
		"spec.subnetSelectorTerms":        "--cluster-name",
		"spec.securityGroupSelectorTerms": "--cluster-name",
		"spec.amiSelectorTerms":           "--ami-alias",
		"spec.role":                       "--role",
		"spec.instanceProfile":            "--instance-profile",
	}
	switch {
	case f.InstanceProfile != "":
		p := f.InstanceProfile
		nc.Spec.InstanceProfile = &p
	case f.Role != "":
		nc.Spec.Role = f.Role
	default:
		nc.Spec.Role = "KarpenterNodeRole-" + f.ClusterName
		origins["spec.role"] = "--cluster-name"
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("converting EC2NodeClass %s: %w", name, err)
	}
	delete(u, "status")
	if md, ok := u["metadata"].(map[string]interface{}); ok {
		delete(md, "creationTimestamp")
	}
	return u, origins, nil
}

// ValidateEC2NodeClass checks the EC2NodeClass by its CRD's rules.
func ValidateEC2NodeClass(ctx context.Context, obj map[string]interface{}, origins Origins) error {
	v, err := nodeClassValidator()
	if err != nil {
		return fmt.Errorf("loading the EC2NodeClass CRD's validation rules: %w", err)
	}
	if errs := v.Validate(ctx, obj); len(errs) > 0 {
		return NewValidationError("EC2NodeClass", errs, origins)
	}
	return nil
}
