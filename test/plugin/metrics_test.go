package plugin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fakeMetricsServer serves the part of metrics.k8s.io/v1beta1 that top reads, with fixed
// usage per node, and records the paths it was asked for.
type fakeMetricsServer struct {
	*httptest.Server
	usage map[string]corev1.ResourceList

	mu    sync.Mutex
	paths []string
	// down makes the fake answer the NodeMetrics list with 503, as a metrics-server that is
	// registered but not running.
	down bool
}

func (f *fakeMetricsServer) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func newFakeMetricsServer(usage map[string]corev1.ResourceList) *fakeMetricsServer {
	f := &fakeMetricsServer{usage: usage}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeMetricsServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	down := f.down
	f.mu.Unlock()
	var body any
	switch r.URL.Path {
	case "/apis/metrics.k8s.io/v1beta1":
		body = metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "metrics.k8s.io/v1beta1",
			APIResources: []metav1.APIResource{{Name: "nodes", Kind: "NodeMetrics", Verbs: []string{"get", "list"}}},
		}
	case "/apis/metrics.k8s.io/v1beta1/nodes":
		if down {
			http.Error(w, "metrics not available yet", http.StatusServiceUnavailable)
			return
		}
		var items []map[string]any
		for name, u := range f.usage {
			items = append(items, map[string]any{
				"metadata": map[string]any{"name": name}, "timestamp": time.Now().UTC().Format(time.RFC3339),
				"window": "10s", "usage": u,
			})
		}
		body = map[string]any{"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": map[string]any{}, "items": items}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// nodeListCalls counts the list calls of NodeMetrics and reports whether any call asked for
// one node.
func (f *fakeMetricsServer) nodeListCalls() (lists int, perNode bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.paths {
		switch {
		case p == "/apis/metrics.k8s.io/v1beta1/nodes":
			lists++
		case strings.HasPrefix(p, "/apis/metrics.k8s.io/v1beta1/nodes/"):
			perNode = true
		}
	}
	return lists, perNode
}

// registerMetricsAPI makes the API server serve metrics.k8s.io from the fake, as it serves
// metrics-server's: an APIService backed by a Service. The Service is an ExternalName one
// naming localhost, because the aggregator dials an ExternalName directly, while a ClusterIP
// would need kube-proxy, and Endpoints may not point at loopback addresses.
func registerMetricsAPI(t *testing.T, f *fakeMetricsServer) {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(f.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceDefault, Name: "fake-metrics-server"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	apiService := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": "v1beta1.metrics.k8s.io"},
		"spec": map[string]any{
			"group": "metrics.k8s.io", "version": "v1beta1",
			"service": map[string]any{"namespace": svc.Namespace, "name": svc.Name, "port": int64(port)},
			// The fake's certificate is httptest's, for 127.0.0.1 and example.com only.
			"insecureSkipTLSVerify": true,
			"groupPriorityMinimum":  int64(100), "versionPriority": int64(100),
		},
	}}
	for _, obj := range []client.Object{svc, apiService} {
		if err := env.client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
	}
	t.Cleanup(func() {
		for _, obj := range []client.Object{apiService, svc} {
			if err := env.client.Delete(context.Background(), obj); client.IgnoreNotFound(err) != nil {
				t.Errorf("deleting %s: %v", obj.GetName(), err)
			}
		}
		// The next test's top must not see the group any more.
		eventually(t, "metrics.k8s.io gone from discovery", time.Minute, func(context.Context) (bool, error) {
			return !servesMetrics(t), nil
		})
	})
	eventually(t, "metrics.k8s.io served through the aggregator", time.Minute, func(ctx context.Context) (bool, error) {
		if !servesMetrics(t) {
			return false, nil
		}
		var got unstructured.Unstructured
		got.SetAPIVersion("apiregistration.k8s.io/v1")
		got.SetKind("APIService")
		if err := env.client.Get(ctx, client.ObjectKey{Name: "v1beta1.metrics.k8s.io"}, &got); err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Available" {
				return m["status"] == "True", nil
			}
		}
		return false, nil
	})
}

func servesMetrics(t *testing.T) bool {
	t.Helper()
	dc, err := discoveryClient()
	if err != nil {
		t.Fatal(err)
	}
	groups, err := dc.ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == "metrics.k8s.io" {
			return true
		}
	}
	return false
}

// Without metrics-server, top shows requests only and says nothing; with metrics.k8s.io served
// (here by a fake behind a real APIService), each node gets its usage beside its requests, read
// in one list call.
func TestTopShowsUsageFromMetricsAPI(t *testing.T) {
	shop(t)
	plain := kk(t, "top", "nodes").ok(t)
	if strings.Contains(plain.out, "USED") || plain.errOut != "" {
		t.Fatalf("without metrics.k8s.io, want requests only and no message: %s", plain)
	}

	fake := newFakeMetricsServer(map[string]corev1.ResourceList{
		"general-node-1": {corev1.ResourceCPU: mustQuantity("1500m"), corev1.ResourceMemory: mustQuantity("2Gi")},
		// A node that is gone: its measurement must not make a row.
		"gone": {corev1.ResourceCPU: mustQuantity("1"), corev1.ResourceMemory: mustQuantity("1Gi")},
	})
	defer fake.Close()
	registerMetricsAPI(t, fake)
	before, _ := fake.nodeListCalls()
	r := kk(t, "top", "nodes").ok(t)
	golden(t, "top-nodes-usage", r.out)
	if r.errOut != "" {
		t.Errorf("stderr with metrics served: %s", r)
	}
	after, perNode := fake.nodeListCalls()
	if after-before != 1 || perNode {
		t.Errorf("top made %d NodeMetrics list calls (per-node calls: %v), want exactly one list", after-before, perNode)
	}
	var out struct {
		Nodes []struct {
			Name string
			CPU  struct {
				Requested, Allocatable int64
				Used                   *int64
			}
		}
	}
	js := kk(t, "top", "nodes", "-o", "json").ok(t)
	if err := json.Unmarshal([]byte(js.out), &out); err != nil {
		t.Fatalf("-o json: %v\n%s", err, js.out)
	}
	used := map[string]*int64{}
	for _, n := range out.Nodes {
		used[n.Name] = n.CPU.Used
	}
	if u := used["general-node-1"]; u == nil || *u != 1500 {
		t.Errorf("general-node-1 cpu used = %v, want 1500 (millicores)", u)
	}
	if u, ok := used["general-def34"]; !ok || u != nil {
		t.Errorf("general-def34, a NodeClaim without a node, has cpu used %v (present %v), want none", u, ok)
	}
	if _, ok := used["gone"]; ok {
		t.Error("a measurement without a node made a row")
	}

	// Registered but failing: requests only, exit 0, and a warning that says why.
	fake.setDown(true)
	broken := kk(t, "top", "nodes").ok(t)
	if strings.Contains(broken.out, "USED") || !strings.Contains(broken.errOut, "Warning: showing requests only, real usage from metrics.k8s.io is unavailable") {
		t.Errorf("with metrics.k8s.io failing, want requests only and a warning: %s", broken)
	}
}
