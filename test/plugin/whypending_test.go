package plugin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

// whyPendingBase is two KWOK nodes of 1 cpu that the scenarios' pods (1.5 cpu unless they say
// otherwise) do not fit: wp-a in us-east-1a and wp-b in us-east-1b, tainted full:NoSchedule;
// and the node class "default" with subnets in us-east-1a and us-east-1b.
func whyPendingBase(t *testing.T) {
	t.Helper()
	reset(t)
	a := kwokNode("wp-a", "1", "4Gi", map[string]string{corev1.LabelTopologyZone: "us-east-1a"})
	b := kwokNode("wp-b", "1", "4Gi", map[string]string{corev1.LabelTopologyZone: "us-east-1b"})
	b.Spec.Taints = []corev1.Taint{{Key: "full", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
	create(t, plugintest.EC2NodeClass(plugintest.NodeClassName, "us-east-1a", "us-east-1b"), a, b)
	waitReady(t, a, b)
}

// clearScenario deletes what a scenario added to the base: NodePools, the pods, DaemonSets and
// volumes of namespace wp.
func clearScenario(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c := env.client
	inWP := client.InNamespace("wp")
	for _, obj := range []client.Object{&corev1.Pod{}, &appsv1.DaemonSet{}, &corev1.PersistentVolumeClaim{}, &corev1.Event{}} {
		if err := c.DeleteAllOf(ctx, obj, inWP, client.GracePeriodSeconds(0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, obj := range []client.Object{&karpv1.NodePool{}, &corev1.PersistentVolume{}} {
		if err := c.DeleteAllOf(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the scenario's objects gone", time.Minute, func(ctx context.Context) (bool, error) {
		for _, l := range []client.ObjectList{&corev1.PodList{}, &karpv1.NodePoolList{}, &corev1.PersistentVolumeList{}, &corev1.PersistentVolumeClaimList{}} {
			if err := c.List(ctx, l); err != nil {
				return false, err
			}
			if len(itemsOf(l)) > 0 {
				return false, nil
			}
		}
		return true, nil
	})
}

// whyPendingJSON is the part of why-pending -o json the scenarios check.
type whyPendingJSON struct {
	Pods []struct {
		Name         string
		WillSchedule bool
		Scheduler    *struct{ Message string }
		Simulation   struct {
			Outcome   string
			NodePool  string
			Nodes     []struct{ Reason, Constraint, Fix string }
			NodePools []struct{ NodePool, Constraint, Message, Fix string }
		}
	}
}

func withLabels(l map[string]string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = l }
}

func zoneTerm(op corev1.NodeSelectorOperator, zones ...string) *corev1.NodeSelector {
	return &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
		{Key: corev1.LabelTopologyZone, Operator: op, Values: zones}}}}}
}

func podTerm(app string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}, TopologyKey: corev1.LabelTopologyZone}
}

// One scenario per constraint family: the pod wp/<name> stays pending (the kube-scheduler says
// so), and why-pending names the constraint that excludes NodePool sc (or, for host ports, the
// existing nodes), prints the suggested fix, exits 1, and says the same in -o json.
func TestWhyPendingPerConstraintFamily(t *testing.T) {
	whyPendingBase(t)
	pool := func(opts ...func(*karpv1.NodePool)) *karpv1.NodePool { return plugintest.NodePool("sc", opts...) }
	for _, tc := range []struct {
		name string
		// objects are created before the pod; the pod is the last one and must stay pending.
		objects    func() []client.Object
		constraint string // the Constraint of NodePool sc, or of the nodes when no pool
		message    string
		fix        string
	}{
		{"resources", func() []client.Object {
			return []client.Object{pool(), plugintest.Pod("wp", "resources", "500", "1Gi", "")}
		}, "InsufficientResources", "insufficient cpu: requested 500", "request at most"},
		{"node-selector", func() []client.Object {
			return []client.Object{pool(), plugintest.Pod("wp", "node-selector", "1500m", "1Gi", "", func(p *corev1.Pod) {
				p.Spec.NodeSelector = map[string]string{"team": "web"}
			})}
		}, "RequirementConflict", "label team (pod wants In [web])", "add team to the nodepool's labels or requirements"},
		{"node-affinity", func() []client.Object {
			return []client.Object{pool(), plugintest.Pod("wp", "node-affinity", "1500m", "1Gi", "", func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: zoneTerm(corev1.NodeSelectorOpIn, "us-east-1c")}}
			})}
		}, "NoOffering", "us-east-1c", "zone"},
		{"taint", func() []client.Object {
			return []client.Object{pool(func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
			}), plugintest.Pod("wp", "taint", "1500m", "1Gi", "")}
		}, "TaintNotTolerated", "dedicated=gpu:NoSchedule", "add a toleration for dedicated=gpu:NoSchedule"},
		{"topology-spread", func() []client.Object {
			spread := withLabels(map[string]string{"app": "spread"})
			return []client.Object{
				pool(func(np *karpv1.NodePool) {
					np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, plugintest.Requirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "us-east-1a"))
				}),
				plugintest.Pod("wp", "spread-1", "100m", "128Mi", "wp-a", spread), plugintest.Pod("wp", "spread-2", "100m", "128Mi", "wp-a", spread),
				plugintest.Pod("wp", "topology-spread", "1500m", "1Gi", "", spread, func(p *corev1.Pod) {
					p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone,
						WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
				}),
			}
		}, "TopologySpread", "", "raise maxSkew"},
		{"pod-affinity", func() []client.Object {
			return []client.Object{pool(), plugintest.Pod("wp", "pod-affinity", "1500m", "1Gi", "", func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{podTerm("db")}}}
			})}
		}, "PodAffinity", "", "run a pod the term selects"},
		{"pod-anti-affinity", func() []client.Object {
			anti := withLabels(map[string]string{"app": "anti"})
			return []client.Object{
				pool(),
				plugintest.Pod("wp", "anti-a", "100m", "128Mi", "wp-a", anti), plugintest.Pod("wp", "anti-b", "100m", "128Mi", "wp-b", anti),
				plugintest.Pod("wp", "pod-anti-affinity", "1500m", "1Gi", "", func(p *corev1.Pod) {
					p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{podTerm("anti")}}}
				}),
			}
		}, "PodAntiAffinity", "", "make the anti-affinity preferred"},
		{"host-port", func() []client.Object {
			port := func(p *corev1.Pod) {
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
			}
			// No NodePool: a new node would have the port free, so only the nodes can refuse.
			return []client.Object{plugintest.Pod("wp", "porter", "100m", "128Mi", "wp-a", port), plugintest.Pod("wp", "host-port", "100m", "128Mi", "", port)}
		}, "HostPort", "didn't have free ports", "free host port TCP/8080"},
		{"volume-topology", func() []client.Object {
			return append(zonalVolume("data", "us-east-1c"), pool(), plugintest.Pod("wp", "volume-topology", "1500m", "1Gi", "", func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
			}))
		}, "VolumeTopology", "volume data (persistentvolume wp-data) is in zones In [us-east-1c]", "allow that zone"},
		{"min-values", func() []client.Object {
			return []client.Object{pool(func(np *karpv1.NodePool) {
				mv := 3
				np.Spec.Template.Spec.Requirements[2].MinValues = &mv
			}), plugintest.Pod("wp", "min-values", "1500m", "1Gi", "", func(p *corev1.Pod) {
				p.Spec.NodeSelector = map[string]string{"karpenter.k8s.aws/instance-category": "m"}
			})}
		}, "MinValues", "", "lower minValues on karpenter.k8s.aws/instance-category"},
		{"nodepool-limits", func() []client.Object {
			return []client.Object{pool(func(np *karpv1.NodePool) {
				np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1")}
			}), plugintest.Pod("wp", "nodepool-limits", "1500m", "1Gi", "")}
		}, "LimitExceeded", "limit", "raise the NodePool's limits"},
		{"daemonset-overhead", func() []client.Object {
			return []client.Object{
				pool(func(np *karpv1.NodePool) {
					np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, plugintest.Requirement("karpenter.k8s.aws/instance-size", corev1.NodeSelectorOpIn, "large"))
				}),
				daemonSet("wp", "agent", "1500m", map[string]string{karpv1.NodePoolLabelKey: "sc"}),
				// 1.2 cpu: too much for wp-a, and for a large instance once the DaemonSet's
				// 1.5 cpu is reserved, though a large alone would hold it.
				plugintest.Pod("wp", "daemonset-overhead", "1200m", "1Gi", ""),
			}
		}, "InsufficientResources", "after daemonsets", "request at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { clearScenario(t) })
			objs := tc.objects()
			create(t, objs...)
			target := objs[len(objs)-1].(*corev1.Pod)
			var bound []*corev1.Pod
			for _, o := range objs {
				if p, ok := o.(*corev1.Pod); ok && p.Spec.NodeName != "" {
					bound = append(bound, p)
				}
			}
			waitRunning(t, bound...)
			waitUnschedulable(t, target)

			text := kk(t, "why-pending", target.Name, "-n", "wp")
			if text.code != 1 {
				t.Fatalf("want exit 1 for a pod that will not be scheduled: %s", text)
			}
			js := kk(t, "why-pending", target.Name, "-n", "wp", "-o", "json")
			if js.code != 1 {
				t.Fatalf("-o json: want exit 1: %s", js)
			}
			var got whyPendingJSON
			if err := json.Unmarshal([]byte(js.out), &got); err != nil || len(got.Pods) != 1 {
				t.Fatalf("-o json: %v: %s", err, js)
			}
			p := got.Pods[0]
			if p.WillSchedule || p.Simulation.Outcome != "Unplaced" || p.Scheduler == nil || !strings.Contains(p.Scheduler.Message, "nodes are available") {
				t.Errorf("-o json: want an unplaced pod with the kube-scheduler's message: %+v", p)
			}
			var constraint, message, fix, textWant string
			if tc.constraint == "HostPort" {
				if len(p.Simulation.Nodes) == 0 {
					t.Fatalf("-o json: no node reasons: %s", js)
				}
				n := p.Simulation.Nodes[0]
				constraint, message, fix = n.Constraint, n.Reason, n.Fix
				textWant = "1 × didn't have free ports"
			} else {
				if len(p.Simulation.NodePools) != 1 {
					t.Fatalf("-o json: want the reason of NodePool sc: %s", js)
				}
				np := p.Simulation.NodePools[0]
				constraint, message, fix = np.Constraint, np.Message, np.Fix
				textWant = "NodePool sc: " + np.Message
			}
			if constraint != tc.constraint || !strings.Contains(message, tc.message) || !strings.Contains(fix, tc.fix) {
				t.Errorf("-o json: constraint %s %q fix %q; want %s mentioning %q with a fix about %q", constraint, message, fix, tc.constraint, tc.message, tc.fix)
			}
			for _, want := range []string{"Pod wp/" + target.Name, "kube-scheduler: 0/2 nodes are available", "simulation:     cannot be placed", textWant, "fix" + fixLabel(tc.constraint) + ": " + fix} {
				if !strings.Contains(text.out, want) {
					t.Errorf("text output lacks %q:\n%s", want, text.out)
				}
			}
		})
	}
}

// fixLabel is what precedes a fix in the text output: nothing for a NodePool's, the reason
// for existing nodes'.
func fixLabel(constraint string) string {
	if constraint == "HostPort" {
		return " (existing nodes that didn't have free ports)"
	}
	return ""
}

// When a NodePool can take the pod, why-pending says which and exits 0.
func TestWhyPendingExitsZeroWhenEveryPodWillSchedule(t *testing.T) {
	whyPendingBase(t)
	t.Cleanup(func() { clearScenario(t) })
	target := plugintest.Pod("wp", "fits", "1500m", "1Gi", "")
	create(t, plugintest.NodePool("sc"), target)
	waitUnschedulable(t, target)
	r := kk(t, "why-pending", "-n", "wp").ok(t)
	if !strings.Contains(r.out, "the agent launches a NodeClaim from NodePool sc") {
		t.Errorf("want a new NodeClaim from sc: %s", r)
	}
	short := kk(t, "why-pending", "-A", "--short").ok(t)
	if !strings.HasPrefix(short.out, "wp/fits: new NodeClaim from NodePool sc (") {
		t.Errorf("--short: %s", short)
	}
}

// zonalVolume is a local PersistentVolume pinned to zone and the claim "wp/<name>" bound to it
// (by the controller-manager's binder).
func zonalVolume(name, zone string) []client.Object {
	empty := ""
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "wp-" + name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/data"}},
			NodeAffinity:                  &corev1.VolumeNodeAffinity{Required: zoneTerm(corev1.NodeSelectorOpIn, zone)},
			ClaimRef:                      &corev1.ObjectReference{Namespace: "wp", Name: name},
			StorageClassName:              empty,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
		},
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "wp", Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			VolumeName:       pv.Name,
			StorageClassName: &empty,
		},
	}
	return []client.Object{pv, pvc}
}

// daemonSet runs a pod requesting cpu on the nodes matching nodeSelector.
func daemonSet(namespace, name, cpu string, nodeSelector map[string]string) *appsv1.DaemonSet {
	labels := map[string]string{"daemon": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{NodeSelector: nodeSelector, Containers: []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
			},
		},
	}
}
