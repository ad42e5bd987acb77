package scheduling_test

import (
	"fmt"
	"math/rand"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

// diverseWorkload is upstream Karpenter's scheduling benchmark workload (makeDiversePods), drawn
// from the same seeded generator in the same order: five equal parts of generic pods, zonal
// and hostname topology spread, zonal self-affinity and hostname anti-affinity.
type diverseWorkload struct{ r *rand.Rand }

func newDiverseWorkload() *diverseWorkload { return &diverseWorkload{r: rand.New(rand.NewSource(42))} }

func (w *diverseWorkload) value() string {
	return []string{"a", "b", "c", "d", "e", "f", "g"}[w.r.Intn(7)]
}

func (w *diverseWorkload) cpu() resource.Quantity {
	return resource.MustParse(fmt.Sprintf("%dm", []int{100, 250, 500, 1000, 1500}[w.r.Intn(5)]))
}

func (w *diverseWorkload) memory() resource.Quantity {
	return resource.MustParse(fmt.Sprintf("%dMi", []int{100, 256, 512, 1024, 2048, 4096}[w.r.Intn(6)]))
}

var benchSeq int

func (w *diverseWorkload) pod(labels map[string]string, mutate func(*corev1.Pod)) *corev1.Pod {
	benchSeq++
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%d", benchSeq), Namespace: "default", Labels: labels,
		UID: types.UID(fmt.Sprintf("bench-uid-%d", benchSeq))}}
	if mutate != nil {
		mutate(p)
	}
	p.Spec.Containers = []corev1.Container{{Name: "main", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: w.cpu(), corev1.ResourceMemory: w.memory()}}}}
	return p
}

func (w *diverseWorkload) generic(n int) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, w.pod(map[string]string{"my-label": w.value()}, nil))
	}
	return out
}

func (w *diverseWorkload) spread(n int, key string) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, n)
	for i := 0; i < n; i++ {
		labels := map[string]string{"my-label": w.value()}
		sel := map[string]string{"my-label": w.value()}
		out = append(out, w.pod(labels, func(p *corev1.Pod) {
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: key,
				WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: sel}}}
		}))
	}
	return out
}

func (w *diverseWorkload) selfAffinity(n int, key string) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, n)
	for i := 0; i < n; i++ {
		labels := map[string]string{"my-affininity": w.value()}
		out = append(out, w.pod(labels, schedulingtest.PodAffinity(schedulingtest.Term(key, labels))))
	}
	return out
}

func (w *diverseWorkload) antiAffinity(n int, key string) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, n)
	labels := map[string]string{"app": "nginx"}
	for i := 0; i < n; i++ {
		out = append(out, w.pod(labels, schedulingtest.PodAntiAffinity(schedulingtest.Term(key, labels))))
	}
	return out
}

func diversePods(count int) []*corev1.Pod {
	w := newDiverseWorkload()
	part := count / 5
	var pods []*corev1.Pod
	pods = append(pods, w.generic(part)...)
	pods = append(pods, w.spread(part, corev1.LabelTopologyZone)...)
	pods = append(pods, w.spread(part, corev1.LabelHostname)...)
	pods = append(pods, w.selfAffinity(part, corev1.LabelTopologyZone)...)
	pods = append(pods, w.antiAffinity(part, corev1.LabelHostname)...)
	return append(pods, w.generic(count-len(pods))...)
}

func diverseInput(pods []*corev1.Pod) scheduling.Input {
	return scheduling.Input{Pods: pods, NodePools: []scheduling.NodePool{{Name: "default", InstanceTypes: schedulingtest.DiverseInstanceTypes(400)}}}
}

func BenchmarkSchedulingDiverse(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 5000, 20000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			in := diverseInput(diversePods(n))
			runBench(b, in, n, func(res scheduling.Result) float64 {
				return res.Price() / lowerBound(in.Pods, in.NodePools[0].InstanceTypes)
			})
		})
	}
	b.Run("generic/pods=2000", func(b *testing.B) {
		in := diverseInput(newDiverseWorkload().generic(2000))
		runBench(b, in, 2000, func(res scheduling.Result) float64 {
			return res.Price() / lowerBound(in.Pods, in.NodePools[0].InstanceTypes)
		})
	})
}

// runBench solves in b.N times and reports throughput (wall clock, and per second of process
// cpu time, which is steadier on a shared machine), the plan's nodes and $/h, and its price
// over the lower bound.
func runBench(b *testing.B, in scheduling.Input, n int, ratio func(scheduling.Result) float64) {
	b.Helper()
	var res scheduling.Result
	var err error
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err = scheduling.Solve(in)
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	placed := n - len(res.Unplaced())
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "pods/sec")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "pods/cpu-sec")
	b.ReportMetric(float64(len(res.NodeClaims)), "nodes")
	b.ReportMetric(res.Price(), "$/h")
	b.ReportMetric(ratio(res), "price/lowerbound")
	if placed != n {
		b.ReportMetric(float64(n-placed), "unplaced")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var ec2Types = sync.OnceValue(func() []*cloudprovider.InstanceType {
	return catalog.InstanceTypes("us-east-1a", "us-east-1b", "us-east-1c")
})

// ec2Input is a mixed, realistic workload on the real EC2 catalog: spread web services, spot
// batch jobs, services spread across nodes and zones, GPU jobs on a dedicated tainted pool and
// arm64-only services, with a node agent DaemonSet everywhere.
func ec2Input(n int) scheduling.Input {
	r := rand.New(rand.NewSource(7))
	pick := func(v ...string) string { return v[r.Intn(len(v))] }
	in := scheduling.Input{
		NodePools: []scheduling.NodePool{
			{Name: "general", Weight: 10, InstanceTypes: ec2Types(), Requirements: []scheduling.Requirement{
				{Key: "karpenter.k8s.aws/instance-category", Operator: corev1.NodeSelectorOpIn, Values: []string{"c", "m", "r"}},
				{Key: "karpenter.k8s.aws/instance-generation", Operator: corev1.NodeSelectorOpGt, Values: []string{"4"}},
			}},
			{Name: "gpu", InstanceTypes: ec2Types(),
				Taints: []corev1.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}},
				Requirements: []scheduling.Requirement{
					{Key: "karpenter.k8s.aws/instance-gpu-manufacturer", Operator: corev1.NodeSelectorOpIn, Values: []string{"nvidia"}},
				}},
		},
		DaemonSets: []*appsv1.DaemonSet{schedulingtest.DaemonSet("node-exporter", "100m", "128Mi", schedulingtest.Toleration("", "", ""))},
	}
	for i := 0; i < n; i++ {
		var opts []schedulingtest.PodOption
		switch x := r.Intn(100); {
		case x < 35:
			app := fmt.Sprintf("web-%d", r.Intn(5))
			sel := map[string]string{"app": app}
			opts = append(opts, schedulingtest.Labels("app", app), schedulingtest.Requests(pick("250m", "500m", "1"), pick("512Mi", "1Gi", "2Gi")),
				schedulingtest.Spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, sel),
				schedulingtest.PreferredPodAntiAffinity(50, schedulingtest.Term(corev1.LabelHostname, sel)))
		case x < 65:
			opts = append(opts, schedulingtest.Labels("app", "batch"), schedulingtest.Requests(pick("1", "2", "4"), pick("2Gi", "4Gi", "8Gi")),
				schedulingtest.NodeSelector(scheduling.LabelCapacityType, "spot"))
		case x < 80:
			app := fmt.Sprintf("spread-%d", r.Intn(3))
			sel := map[string]string{"app": app}
			opts = append(opts, schedulingtest.Labels("app", app), schedulingtest.Requests(pick("500m", "1"), pick("1Gi", "2Gi")),
				schedulingtest.Spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, sel),
				schedulingtest.Spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, sel))
		case x < 85:
			opts = append(opts, schedulingtest.Labels("app", "train"), schedulingtest.Requests("4", "16Gi"), schedulingtest.Request("nvidia.com/gpu", "1"),
				schedulingtest.Toleration("nvidia.com/gpu", "", corev1.TaintEffectNoSchedule))
		default:
			opts = append(opts, schedulingtest.Labels("app", "arm"), schedulingtest.Requests(pick("500m", "1"), pick("1Gi", "2Gi")),
				schedulingtest.NodeSelector(corev1.LabelArchStable, "arm64"))
		}
		in.Pods = append(in.Pods, schedulingtest.Pod(opts...))
	}
	return in
}

func BenchmarkSchedulingEC2(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			in := ec2Input(n)
			runBench(b, in, n, func(res scheduling.Result) float64 { return res.Price() / lowerBound(in.Pods, ec2Types()) })
		})
	}
	b.Run("generic/pods=2000", func(b *testing.B) {
		pods := newDiverseWorkload().generic(2000)
		in := scheduling.Input{Pods: pods, NodePools: []scheduling.NodePool{{Name: "default", InstanceTypes: ec2Types()}}}
		runBench(b, in, len(pods), func(res scheduling.Result) float64 { return res.Price() / lowerBound(pods, ec2Types()) })
	})
}
