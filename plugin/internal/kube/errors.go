package kube

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ErrCRDsNotInstalled is returned when the cluster does not serve the Karpenter v1 APIs.
var ErrCRDsNotInstalled = errors.New("the Karpenter CRDs are not installed; install them with kubectl apply -f manifests/crds (or install Karpenter)")

// Op names an API call, so that an error can say which call failed.
type Op struct {
	// Verb is the RBAC verb: get, list, create.
	Verb     string
	Resource schema.GroupResource
	// Namespace is empty for cluster-scoped resources and for lists across all namespaces.
	Namespace string
	// AllNamespaces marks a list across all namespaces of a namespaced resource.
	AllNamespaces bool
	Name          string
}

func (o Op) resource() string {
	if o.Resource.Group == "" {
		return o.Resource.Resource
	}
	return o.Resource.String()
}

func (o Op) scope() string {
	switch {
	case o.Namespace != "":
		return "in namespace " + o.Namespace
	case o.AllNamespaces:
		return "in all namespaces"
	}
	return "at the cluster scope"
}

// ForbiddenError says which verb on which resource RBAC denied.
type ForbiddenError struct {
	Op  Op
	Err error
}

func (e *ForbiddenError) Error() string {
	canI := e.Op.Verb + " " + e.Op.resource()
	switch {
	case e.Op.Namespace != "":
		canI += " -n " + e.Op.Namespace
	case e.Op.AllNamespaces:
		canI += " -A"
	}
	role := "a ClusterRole"
	if e.Op.Namespace != "" {
		role = "a Role in namespace " + e.Op.Namespace + " (or a ClusterRole)"
	}
	return fmt.Sprintf("forbidden: you may not %s %s %s; ask a cluster administrator for %s that grants %q on %q (check with: kubectl auth can-i %s): %v",
		e.Op.Verb, e.Op.resource(), e.Op.scope(), role, e.Op.Verb, e.Op.resource(), canI, e.Err)
}

func (e *ForbiddenError) Unwrap() error { return e.Err }

// UnreachableError says which API server could not be reached.
type UnreachableError struct {
	Server string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Kubernetes API server at %s; check that the cluster is running and that --kubeconfig and --context select it: %v", e.Server, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Explain turns an error of an API call into one that says what to do: the CRDs are missing,
// RBAC forbids the call, the server cannot be reached or rejects the credentials. Other errors
// are wrapped with the call.
func (c *Clients) Explain(err error, op Op) error {
	if err == nil {
		return nil
	}
	switch {
	case isCRDMissing(err, op):
		return fmt.Errorf("%w (the server at %s does not serve %s)", ErrCRDsNotInstalled, c.Server, op.Resource)
	case apierrors.IsForbidden(err):
		return &ForbiddenError{Op: op, Err: err}
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the API server at %s rejected the credentials of the current context; log in again or refresh the kubeconfig: %w", c.Server, err)
	case isUnreachable(err):
		return &UnreachableError{Server: c.Server, Err: err}
	}
	what := op.Verb + " " + op.resource()
	if op.Name != "" {
		what += " " + op.Name
	}
	return fmt.Errorf("%s %s: %w", strings.TrimSuffix(what, " "), op.scope(), err)
}

// isCRDMissing tells "no such resource type" from "no such object": the API server answers a
// request for an unknown resource with a 404 that names no object.
func isCRDMissing(err error, op Op) bool {
	if op.Resource.Group != NodePools.Group && op.Resource.Group != EC2NodeClasses.Group {
		return false
	}
	if meta.IsNoMatchError(err) {
		return true
	}
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d == nil || d.Name == ""
}

func isUnreachable(err error) bool {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// IsNotFound reports whether err says the named object does not exist (as opposed to the
// resource type).
func IsNotFound(err error) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Name != ""
}

// NotFoundError says a named object does not exist.
type NotFoundError struct {
	Resource schema.GroupResource
	Name     string
	Err      error
}

func (e *NotFoundError) Error() string {
	list := "kubectl get " + e.Resource.String()
	if e.Resource == NodePools.GroupResource() || e.Resource == NodeClaims.GroupResource() {
		list = "kubectl karpenter get " + e.Resource.Resource
	}
	return fmt.Sprintf("%s %q not found; list them with: %s", e.Resource, e.Name, list)
}

func (e *NotFoundError) Unwrap() error { return e.Err }
