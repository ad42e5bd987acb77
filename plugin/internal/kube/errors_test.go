package kube

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExplain(t *testing.T) {
	c := &Clients{Server: "https://api.example:6443"}
	np := NodePools.GroupResource()
	pods := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		name string
		err  error
		op   Op
		want []string
		is   func(error) bool
	}{
		{"resource type missing", apierrors.NewNotFound(schema.GroupResource{}, ""), Op{Verb: "list", Resource: np},
			[]string{"the Karpenter CRDs are not installed", "https://api.example:6443"}, func(e error) bool { return errors.Is(e, ErrCRDsNotInstalled) }},
		{"no REST mapping", &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "karpenter.sh", Kind: "NodePool"}}, Op{Verb: "list", Resource: np},
			[]string{"CRDs are not installed"}, func(e error) bool { return errors.Is(e, ErrCRDsNotInstalled) }},
		{"object missing is not a missing CRD", apierrors.NewNotFound(np, "x"), Op{Verb: "get", Resource: np, Name: "x"},
			[]string{"get nodepools.karpenter.sh x at the cluster scope", `"x" not found`}, func(e error) bool { return !errors.Is(e, ErrCRDsNotInstalled) }},
		{"core 404 is not a missing CRD", apierrors.NewNotFound(schema.GroupResource{}, ""), Op{Verb: "list", Resource: pods},
			nil, func(e error) bool { return !errors.Is(e, ErrCRDsNotInstalled) }},
		{"forbidden in a namespace", apierrors.NewForbidden(pods, "", errors.New("nope")), Op{Verb: "list", Resource: pods, Namespace: "shop"},
			[]string{"you may not list pods in namespace shop", "a Role in namespace shop", "kubectl auth can-i list pods -n shop"}, func(e error) bool { var f *ForbiddenError; return errors.As(e, &f) }},
		{"forbidden everywhere", apierrors.NewForbidden(pods, "", errors.New("nope")), Op{Verb: "list", Resource: pods, AllNamespaces: true},
			[]string{"you may not list pods in all namespaces", "a ClusterRole", "kubectl auth can-i list pods -A"}, nil},
		{"unreachable", &url.Error{Op: "Get", URL: "https://api.example:6443/api", Err: syscall.ECONNREFUSED}, Op{Verb: "list", Resource: np},
			[]string{"cannot reach the Kubernetes API server at https://api.example:6443"}, func(e error) bool { return errors.Is(e, syscall.ECONNREFUSED) }},
		{"unauthorized", apierrors.NewUnauthorized("expired"), Op{Verb: "list", Resource: np},
			[]string{"rejected the credentials", "log in again"}, apierrors.IsUnauthorized},
		{"other", fmt.Errorf("boom"), Op{Verb: "list", Resource: np}, []string{"list nodepools.karpenter.sh at the cluster scope: boom"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Explain(tc.err, tc.op)
			for _, w := range tc.want {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("Explain = %q, want it to contain %q", got, w)
				}
			}
			if tc.is != nil && !tc.is(got) {
				t.Errorf("Explain = %#v, wrong type or lost the cause", got)
			}
		})
	}
	if c.Explain(nil, Op{}) != nil {
		t.Error("Explain(nil) is not nil")
	}
}
