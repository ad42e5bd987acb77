// Package scheme builds a runtime.Scheme with the Kubernetes built-in types and every API group
// of this project, for clients in the agent, the plugin and tests.
package scheme

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
)

// New returns a scheme with the built-in types and karpenter.sh/v1, karpenter.sh/v1alpha1 and
// karpenter.k8s.aws/v1.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(karpv1.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	utilruntime.Must(ec2v1.AddToScheme(s))
	return s
}
