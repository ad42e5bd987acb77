package scheduling_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func TestVolumeTopology(t *testing.T) {
	const zone = corev1.LabelTopologyZone
	withPV := func(in scheduling.Input, claim, pv, pvZone string) scheduling.Input {
		in.PersistentVolumeClaims = append(in.PersistentVolumeClaims, st.PVC(claim, "", pv))
		in.PersistentVolumes = append(in.PersistentVolumes, st.ZonalPV(pv, pvZone))
		return in
	}
	legacyPV := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "old", Labels: map[string]string{"failure-domain.beta.kubernetes.io/zone": "test-zone-c"}}}
	immediate := storagev1.VolumeBindingImmediate
	runScenarios(t, []scenario{
		{name: "a bound zonal volume pins the nodeclaim", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default"))}, "data", "pv-1", "test-zone-b"),
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-b")},
		{name: "a node in another zone is skipped", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), Nodes: nodes(node(st.Node("n1", st.Zone("test-zone-a")))), NodePools: pools(pool("default"))}, "data", "pv-1", "test-zone-b"),
			want: []outcome{onNew("default")}},
		{name: "a node in the volume's zone is used", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), Nodes: nodes(node(st.Node("n1", st.Zone("test-zone-b")))), NodePools: pools(pool("default"))}, "data", "pv-1", "test-zone-b"),
			want: []outcome{onNode("n1")}},
		{name: "a volume in a zone without offerings", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default"))}, "data", "pv-1", "test-zone-z"),
			want: []outcome{fails("default", scheduling.ReasonVolume, "volume vol-data (persistentvolume pv-1) is in zones In [test-zone-z]")}},
		{name: "a volume in a zone the nodepool excludes", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("a", withReq(zone, corev1.NodeSelectorOpIn, "test-zone-a")))}, "data", "pv-1", "test-zone-b"),
			want: []outcome{fails("a", scheduling.ReasonVolume, "volume vol-data (persistentvolume pv-1) needs topology.kubernetes.io/zone In [test-zone-b], the nodepool offers In [test-zone-a]")}},
		{name: "a volume node affinity conflict on a node is explained", in: withPV(scheduling.Input{Pods: st.Pods(1, st.Claim("data")), Nodes: nodes(node(st.Node("n1", st.Zone("test-zone-a"))))}, "data", "pv-1", "test-zone-b"),
			want: []outcome{fails("", "", "1 volume node affinity conflict")}},
		{name: "WaitForFirstConsumer allowedTopologies narrow the zone", in: scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default")),
			PersistentVolumeClaims: []*corev1.PersistentVolumeClaim{st.PVC("data", "gp3", "")}, StorageClasses: []*storagev1.StorageClass{st.WaitForFirstConsumer("gp3", "test-zone-c")}},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-c")},
		{name: "WaitForFirstConsumer without allowedTopologies leaves the zone open", in: scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default")),
			PersistentVolumeClaims: []*corev1.PersistentVolumeClaim{st.PVC("data", "gp3", "")}, StorageClasses: []*storagev1.StorageClass{st.WaitForFirstConsumer("gp3")}},
			want: []outcome{onNew("default")}, check: labelIs(zone, "")},
		{name: "an Immediate class puts no constraint on the unbound claim", in: scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default")),
			PersistentVolumeClaims: []*corev1.PersistentVolumeClaim{st.PVC("data", "io", "")},
			StorageClasses:         []*storagev1.StorageClass{{ObjectMeta: metav1.ObjectMeta{Name: "io"}, VolumeBindingMode: &immediate, AllowedTopologies: st.WaitForFirstConsumer("x", "test-zone-c").AllowedTopologies}}},
			want: []outcome{onNew("default")}, check: labelIs(zone, "")},
		{name: "a missing claim is explained", in: scheduling.Input{Pods: st.Pods(1, st.Claim("missing")), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonVolume, "persistentvolumeclaim default/missing not found")}},
		{name: "a legacy zone label on the volume pins the zone", in: scheduling.Input{Pods: st.Pods(1, st.Claim("data")), NodePools: pools(pool("default")),
			PersistentVolumeClaims: []*corev1.PersistentVolumeClaim{st.PVC("data", "", "old")}, PersistentVolumes: []*corev1.PersistentVolume{legacyPV}},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-c")},
	})
}

func TestDaemonSetOverhead(t *testing.T) {
	ds := st.DaemonSet("agent", "1", "256Mi")
	armDS := st.DaemonSet("arm-agent", "1", "256Mi", st.NodeSelector(corev1.LabelArchStable, "arm64"))
	tolerating := st.DaemonSet("gpu-agent", "1", "256Mi", st.Toleration("dedicated", "", ""))
	tainted := pool("tainted", withTaint("dedicated", "x", corev1.TaintEffectNoSchedule))
	tol := st.Toleration("dedicated", "", "")
	dsCPU := func(want string) func(*testing.T, scheduling.Result) {
		return func(t *testing.T, res scheduling.Result) {
			got := res.NodeClaims[0].DaemonSetRequests[corev1.ResourceCPU]
			if got.String() != want {
				t.Errorf("daemonset cpu %s, want %s", got.String(), want)
			}
		}
	}
	runScenarios(t, []scenario{
		{name: "daemonset overhead pushes the pod to a bigger type", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi")), DaemonSets: []*appsv1.DaemonSet{ds}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) { cheapestIs("medium")(t, res); dsCPU("1")(t, res) }},
		{name: "a daemonset for another arch does not count", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi")), DaemonSets: []*appsv1.DaemonSet{armDS}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("small")},
		{name: "a daemonset that does not tolerate the pool's taint does not count", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi"), tol), DaemonSets: []*appsv1.DaemonSet{ds}, NodePools: pools(tainted)},
			want: []outcome{onNew("tainted")}, check: cheapestIs("small")},
		{name: "a tolerating daemonset counts", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi"), tol), DaemonSets: []*appsv1.DaemonSet{tolerating}, NodePools: pools(tainted)},
			want: []outcome{onNew("tainted")}, check: cheapestIs("medium")},
		{name: "daemonset overhead leaves no type big enough", in: scheduling.Input{Pods: st.Pods(1, st.Requests("15", "1Gi")), DaemonSets: []*appsv1.DaemonSet{ds}, NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonResources, "requested 15, largest instance type large has 14900m after daemonsets")}},
		{name: "overhead is per type: several daemonsets add up", in: scheduling.Input{Pods: st.Pods(1, st.Requests("100m", "1Gi")), DaemonSets: []*appsv1.DaemonSet{ds, st.DaemonSet("b", "1", "0")}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) { cheapestIs("medium")(t, res); dsCPU("2")(t, res) }},
	})
	got, err := scheduling.DaemonSetOverhead(pool("default"), "small", []*appsv1.DaemonSet{ds, armDS})
	if err != nil {
		t.Fatal(err)
	}
	if c := got[corev1.ResourceCPU]; c.String() != "1" {
		t.Errorf("DaemonSetOverhead cpu %s, want 1", c.String())
	}
	if _, err := scheduling.DaemonSetOverhead(pool("default"), "nope", nil); err == nil {
		t.Error("DaemonSetOverhead of an unknown type: want an error")
	}
}

func TestHostPorts(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "two pods on one host port need two nodes", in: scheduling.Input{Pods: st.Pods(2, st.HostPort(8080)), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default"), onNew("default")}, check: claimCount(2)},
		{name: "different ports share a node", in: scheduling.Input{Pods: pods(st.Pod(st.HostPort(8080)), st.Pod(st.HostPort(9090))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default"), onNew("default")}, check: claimCount(1)},
		{name: "a port in use on the node sends the pod elsewhere", in: scheduling.Input{Pods: st.Pods(1, st.HostPort(8080)), Nodes: nodes(node(st.Node("n1"), st.Pod(st.HostPort(8080)))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "a port conflict is explained", in: scheduling.Input{Pods: st.Pods(1, st.HostPort(8080)), Nodes: nodes(node(st.Node("n1"), st.Pod(st.HostPort(8080))))},
			want: []outcome{fails("", "", "1 didn't have free ports")}},
	})
}
