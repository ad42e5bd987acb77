package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// agentSource is the source component of the agent's Events, and of upstream Karpenter's.
const agentSource = "karpenter"

// watchedResources are the informers the Source runs; the snapshot is Synced once each listed.
var watchedResources = []string{"pods", "nodes", "nodeclaims", "nodepools", "events", "leases"}

// Source runs the informers that fill a Store. Reflectors re-list and re-watch on their own after
// a lost connection or an expired credential; the error is shown until data flows again.
type Source struct {
	clients *kube.Clients
	store   *Store
}

// NewSource returns a Source over the clients.
func NewSource(c *kube.Clients, s *Store) *Source { return &Source{clients: c, store: s} }

// Run starts the informers and returns at once; they stop with ctx.
func (src *Source) Run(ctx context.Context) error {
	core := src.clients.Kube.CoreV1().RESTClient()
	coord := src.clients.Kube.CoordinationV1().RESTClient()
	informers := []struct {
		name     string
		lw       cache.ListerWatcher
		example  runtime.Object
		handlers cache.ResourceEventHandler
	}{
		{"pods", cache.NewListWatchFromClient(core, "pods", metav1.NamespaceAll, fields.Everything()), &corev1.Pod{}, podHandler(src.store)},
		{"nodes", cache.NewListWatchFromClient(core, "nodes", metav1.NamespaceAll, fields.Everything()), &corev1.Node{}, nodeHandler(src.store)},
		// Only the agent's Events: the decision stream, and what the timeline shows. Upstream
		// Karpenter records with the same source.
		{"events", cache.NewListWatchFromClient(core, "events", metav1.NamespaceAll, fields.OneTermEqualSelector("source", agentSource)), &corev1.Event{}, eventHandler(src.store)},
		{"leases", cache.NewListWatchFromClient(coord, "leases", metav1.NamespaceAll, fields.OneTermEqualSelector("metadata.name", LeaseName)), &coordinationv1.Lease{}, leaseHandler(src.store)},
		{"nodeclaims", src.dynamicLW(kube.NodeClaims), &unstructured.Unstructured{}, claimHandler(src.store)},
		{"nodepools", src.dynamicLW(kube.NodePools), &unstructured.Unstructured{}, poolHandler(src.store)},
	}
	for _, in := range informers {
		inf := cache.NewSharedIndexInformer(src.healing(in.name, in.lw), in.example, 0, cache.Indexers{})
		// Managed fields are most of a pod's size and never shown: dropping them keeps 20000
		// pods well under the memory budget.
		if err := inf.SetTransform(stripManagedFields); err != nil {
			return fmt.Errorf("setting the transform of the %s informer: %w", in.name, err)
		}
		name := in.name
		if err := inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			if msg := src.describeWatchError(name, err); msg != "" {
				src.store.SetError(name, msg)
			}
		}); err != nil {
			return fmt.Errorf("setting the error handler of the %s informer: %w", in.name, err)
		}
		if _, err := inf.AddEventHandler(in.handlers); err != nil {
			return fmt.Errorf("watching %s: %w", in.name, err)
		}
		go inf.RunWithContext(ctx)
		go func() {
			if cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
				src.store.MarkSynced(name)
			}
		}()
	}
	return nil
}

// healing reports the outcome of every list and watch call: the reflector retries a refused
// watch by itself without telling the error handler, and a re-established watch delivers
// nothing until something changes, yet the connection is back.
func (src *Source) healing(name string, lw cache.ListerWatcher) cache.ListerWatcher {
	inner := cache.ToListerWatcherWithContext(lw)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			obj, err := inner.ListWithContext(ctx, o)
			src.observe(name, err)
			return obj, err //nolint:wrapcheck // the reflector decides on the error's type: pass it through as is

		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			w, err := inner.WatchWithContext(ctx, o)
			src.observe(name, err)
			return w, err //nolint:wrapcheck // the reflector decides on the error's type: pass it through as is

		},
	}
}

// observe records a failed call that the user must know about (unreachable, forbidden,
// unauthorized), and clears the resource's error on success.
func (src *Source) observe(name string, err error) {
	if err == nil {
		src.store.ClearError(name)
		return
	}
	if isConnectionProblem(err) {
		if msg := src.describeWatchError(name, err); msg != "" {
			src.store.SetError(name, msg)
		}
	}
}

func isConnectionProblem(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || errors.As(err, &urlErr) || errors.As(err, &netErr)
}

func (src *Source) dynamicLW(gvr schema.GroupVersionResource) cache.ListerWatcher {
	res := src.clients.Resource(gvr)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return res.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return res.Watch(ctx, o)
		},
	}
}

// describeWatchError says what went wrong in a line, or "" for the routine end of a watch.
func (src *Source) describeWatchError(resource string, err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	gr := schema.GroupResource{Resource: resource}
	switch resource {
	case "nodeclaims":
		gr = kube.NodeClaims.GroupResource()
	case "nodepools":
		gr = kube.NodePools.GroupResource()
	case "leases":
		gr = schema.GroupResource{Group: "coordination.k8s.io", Resource: resource}
	}
	op := kube.Op{Verb: "watch", Resource: gr}
	if resource != "nodes" && gr.Group != karpv1.Group {
		op.AllNamespaces = true
	}
	var forbidden *kube.ForbiddenError
	explained := src.clients.Explain(err, op)
	switch {
	case errors.As(explained, &forbidden):
		return "forbidden: cannot " + op.Verb + " " + gr.String() + " (kubectl auth can-i watch " + gr.String() + ")"
	case apierrors.IsUnauthorized(err):
		return "credentials rejected; refresh the kubeconfig (retrying)"
	case meta.IsNoMatchError(err) || errors.Is(explained, kube.ErrCRDsNotInstalled):
		return "not served by the cluster (Karpenter CRDs missing?)"
	}
	var unreachable *kube.UnreachableError
	if errors.As(explained, &unreachable) {
		return "connection lost to " + src.clients.Server + "; reconnecting"
	}
	return strings.TrimSpace(firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func stripManagedFields(obj interface{}) (interface{}, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// unwrapTombstone returns the object of a delete notification that missed the final state.
func unwrapTombstone(obj interface{}) interface{} {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

func podHandler(s *Store) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { s.UpsertPod(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj interface{}) { s.UpsertPod(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj interface{}) {
			if p, ok := unwrapTombstone(obj).(*corev1.Pod); ok {
				s.DeletePod(p.Namespace, p.Name)
			}
		},
	}
}

func nodeHandler(s *Store) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { s.UpsertNode(obj.(*corev1.Node)) },
		UpdateFunc: func(_, obj interface{}) { s.UpsertNode(obj.(*corev1.Node)) },
		DeleteFunc: func(obj interface{}) {
			if n, ok := unwrapTombstone(obj).(*corev1.Node); ok {
				s.DeleteNode(n.Name)
			}
		},
	}
}

func eventHandler(s *Store) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { s.UpsertEvent(obj.(*corev1.Event)) },
		UpdateFunc: func(_, obj interface{}) { s.UpsertEvent(obj.(*corev1.Event)) },
		DeleteFunc: func(obj interface{}) {
			if e, ok := unwrapTombstone(obj).(*corev1.Event); ok {
				s.DeleteEvent(e)
			}
		},
	}
}

func leaseHandler(s *Store) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { s.UpsertLease(obj.(*coordinationv1.Lease)) },
		UpdateFunc: func(_, obj interface{}) { s.UpsertLease(obj.(*coordinationv1.Lease)) },
		DeleteFunc: func(obj interface{}) {
			if l, ok := unwrapTombstone(obj).(*coordinationv1.Lease); ok {
				s.DeleteLease(l.Namespace, l.Name)
			}
		},
	}
}

// claimHandler decodes NodeClaims from the dynamic informer; an object this build cannot decode
// (a newer upstream field of the wrong shape) is skipped rather than stopping the watch.
func claimHandler(s *Store) cache.ResourceEventHandler {
	upsert := func(obj interface{}) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		nc := &karpv1.NodeClaim{}
		if err := kube.FromUnstructured(u, nc); err != nil {
			s.SetError("nodeclaims", err.Error())
			return
		}
		s.UpsertNodeClaim(nc, u)
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    upsert,
		UpdateFunc: func(_, obj interface{}) { upsert(obj) },
		DeleteFunc: func(obj interface{}) {
			if u, ok := unwrapTombstone(obj).(*unstructured.Unstructured); ok {
				s.DeleteNodeClaim(u.GetName())
			}
		},
	}
}

func poolHandler(s *Store) cache.ResourceEventHandler {
	upsert := func(obj interface{}) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		np := &karpv1.NodePool{}
		if err := kube.FromUnstructured(u, np); err != nil {
			s.SetError("nodepools", err.Error())
			return
		}
		s.UpsertNodePool(np, u)
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    upsert,
		UpdateFunc: func(_, obj interface{}) { upsert(obj) },
		DeleteFunc: func(obj interface{}) {
			if u, ok := unwrapTombstone(obj).(*unstructured.Unstructured); ok {
				s.DeleteNodePool(u.GetName())
			}
		},
	}
}

// coalesce is how long the Store must stay quiet, at most, before a snapshot is taken: a burst
// of pod updates becomes one redraw.
const coalesce = 100 * time.Millisecond

// WaitForChange returns a command that blocks until the Store changes, lets further changes
// gather for the coalescing window, and delivers one snapshot. The root model re-arms it after
// each delivery, so at most one snapshot is in flight.
func WaitForChange(ctx context.Context, s *Store, now func() time.Time, window time.Duration) func() interface{} {
	return func() interface{} {
		select {
		case <-ctx.Done():
			return nil
		case <-s.Changed():
		}
		t := time.NewTimer(window)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// Drain the signal raised during the window: this snapshot includes those writes.
		select {
		case <-s.Changed():
		default:
		}
		return SnapshotMsg{Snap: s.Snapshot(now())}
	}
}
