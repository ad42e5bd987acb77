package manifest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/karpenter-tools/kubectl-karpenter/manifests/crds"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/crdvalidate"
)

var nodePoolValidator = sync.OnceValues(func() (*crdvalidate.Validator, error) {
	return crdvalidate.New(crds.NodePools, karpv1.SchemeGroupVersion.Version)
})

// Unstructured is the NodePool as it is sent to the API server, limits as the user wrote them.
func (s *Spec) Unstructured() (map[string]interface{}, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(s.NodePool)
	if err != nil {
		return nil, fmt.Errorf("converting NodePool %s: %w", s.NodePool.Name, err)
	}
	// A new object has no status; the API server would drop it anyway.
	delete(u, "status")
	if md, ok := u["metadata"].(map[string]interface{}); ok {
		delete(md, "creationTimestamp")
	}
	if md, ok, _ := unstructured.NestedMap(u, "spec", "template", "metadata"); ok && len(md) == 0 {
		unstructured.RemoveNestedField(u, "spec", "template", "metadata")
	}
	for name, text := range s.limitText {
		if err := unstructured.SetNestedField(u, text, "spec", "limits", string(name)); err != nil {
			return nil, fmt.Errorf("setting limits.%s: %w", name, err)
		}
	}
	return u, nil
}

// Validate checks the NodePool by the NodePool CRD's OpenAPI schema and CEL rules, as the API
// server will, and returns a *ValidationError naming the flag behind each failure.
func Validate(ctx context.Context, obj map[string]interface{}, origins Origins) error {
	v, err := nodePoolValidator()
	if err != nil {
		return fmt.Errorf("loading the NodePool CRD's validation rules: %w", err)
	}
	errs := v.Validate(ctx, obj)
	if len(errs) == 0 {
		return nil
	}
	return NewValidationError("NodePool", errs, origins)
}

// FieldError is one failed rule: the field, the flag that set it, what is wrong and how to fix it.
type FieldError struct {
	Field  string
	Flag   string
	Detail string
	Fix    string
}

// ValidationError lists every rule an object breaks.
type ValidationError struct {
	Kind   string
	Errors []FieldError
	// Server is set when the API server, not the client-side check, rejected the object.
	Server bool
}

// NewValidationError maps field errors to the flags that set the fields.
func NewValidationError(kind string, errs field.ErrorList, origins Origins) *ValidationError {
	out := &ValidationError{Kind: kind}
	for _, e := range errs {
		if skippedRulesNotice(e) && len(errs) > 1 {
			// The API server's "some validation rules were not checked" names no field and
			// no fix; the errors beside it are what to correct first.
			continue
		}
		flag := origins.FlagFor(e.Field)
		out.Errors = append(out.Errors, FieldError{Field: e.Field, Flag: flag, Detail: e.ErrorBody(), Fix: fixFor(flag)})
	}
	return out
}

func skippedRulesNotice(e *field.Error) bool {
	return e.Field == "<nil>" || (e.Field == "" && strings.Contains(e.Detail, "some validation rules were not checked"))
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Server {
		fmt.Fprintf(&b, "the API server rejected the %s:", e.Kind)
	} else {
		fmt.Fprintf(&b, "the %s is invalid by the CRD's rules, nothing was sent:", e.Kind)
	}
	for _, fe := range e.Errors {
		b.WriteString("\n  ")
		if fe.Flag != "" {
			b.WriteString(fe.Flag + ": ")
		}
		fmt.Fprintf(&b, "%s: %s", fe.Field, fe.Detail)
		if fe.Fix != "" {
			b.WriteString("\n    fix: " + fe.Fix)
		}
	}
	return b.String()
}

// fixes say how to change a flag's value so that it passes.
var fixes = map[string]string{
	"NAME":                   "use a lowercase RFC 1123 name: letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
	"--weight":               "give --weight a whole number from 1 to 100",
	"--label":                "use label keys outside the kubernetes.io, k8s.io, karpenter.sh and karpenter.k8s.aws domains (node.kubernetes.io and node-restriction.kubernetes.io are allowed), such as team=web, and values of at most 63 letters, digits, '-', '_' or '.'",
	"--taint":                "write --taint as key[=value]:Effect with Effect one of NoSchedule, PreferNoSchedule or NoExecute",
	"--consolidate-after":    "use whole seconds, minutes or hours such as 30s, 5m or 1h30m, or Never",
	"--expire-after":         "use whole seconds, minutes or hours such as 720h or 1h30m, or Never",
	"--consolidation-policy": "use WhenEmpty or WhenEmptyOrUnderutilized",
	"--cpu-limit":            "use a positive quantity such as 1000, or none",
	"--memory-limit":         "use a positive quantity such as 4000Gi, or none",
	"--nodeclass":            "name an EC2NodeClass, e.g. --nodeclass default",
	"--zones":                "list zones such as us-east-1a,us-east-1b",
	"--instance-family":      "list instance families such as m5,c6i",
	"--instance-category":    "list instance categories such as c,m,r",
	"--cluster-name":         "give the cluster's name as its subnets and security groups are tagged (karpenter.sh/discovery)",
	"--role":                 "give the IAM role of the nodes, e.g. KarpenterNodeRole-<cluster>",
	"--ami-alias":            "use family@version with family al2, al2023, bottlerocket, windows2019 or windows2022, e.g. al2023@latest",
}

func fixFor(flag string) string {
	if i := strings.Index(flag, " "); i > 0 && strings.HasPrefix(flag, "--taint") {
		flag = flag[:i]
	}
	if fix, ok := fixes[flag]; ok {
		return fix
	}
	if strings.HasPrefix(flag, "--preset") {
		return "override the preset's value with the matching flag"
	}
	return ""
}

// FromStatusError maps an API server's Invalid error to the flags, like a client-side failure;
// other errors are returned unchanged.
func FromStatusError(kind string, err error, origins Origins) error {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return err
	}
	out := &ValidationError{Kind: kind, Server: true}
	for _, c := range status.Status().Details.Causes {
		flag := origins.FlagFor(c.Field)
		out.Errors = append(out.Errors, FieldError{Field: c.Field, Flag: flag, Detail: c.Message, Fix: fixFor(flag)})
	}
	if len(out.Errors) == 0 {
		return err
	}
	return out
}
