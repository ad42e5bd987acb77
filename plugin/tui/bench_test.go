package tui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// The budget: with 1000 NodeClaims and 20000 pods in the caches, Update followed by
// View within one frame at 60 Hz, and the process under 200 MB.
const (
	frameBudget = 16 * time.Millisecond
	heapBudget  = 200 << 20
)

// bigStore holds 5 NodePools, 1000 NodeClaims with their nodes, 20000 pods (200 of them
// pending) and a full ring of decisions.
func bigStore() *Store {
	s := NewStore()
	for p := 0; p < 5; p++ {
		s.UpsertNodePool(fixtureNodePool(fmt.Sprintf("pool-%d", p), int32(p), "1000"), nil)
	}
	for i := 0; i < 1000; i++ {
		pool := fmt.Sprintf("pool-%d", i%5)
		node := fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", i/250, i%250)
		nc := fixtureNodeClaim(fmt.Sprintf("%s-%05d", pool, i), pool, "m5.2xlarge", "spot", "us-east-1a", node, time.Duration(i)*time.Minute, 30*time.Second, 20*time.Second, 5*time.Second)
		s.UpsertNodeClaim(nc, nil)
		n := fixtureNode(node, pool, "m5.2xlarge")
		s.UpsertNode(n)
	}
	for i := 0; i < 20000; i++ {
		node := fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", (i%1000)/250, (i%1000)%250)
		if i%100 == 0 {
			node = ""
		}
		p := fixturePod(fmt.Sprintf("ns-%d", i%40), fmt.Sprintf("app-%d-7d9f8c-%05d", i%300, i), node, "100m", "128Mi")
		p.Labels = map[string]string{"app": fmt.Sprintf("app-%d", i%300), "pod-template-hash": "7d9f8c"}
		p.UID = types.UID(fmt.Sprintf("uid-%d", i))
		s.UpsertPod(p)
	}
	for i := 0; i < maxEvents; i++ {
		s.UpsertEvent(fixtureEvent(fmt.Sprintf("ev-%d", i), "NodeClaim", "", fmt.Sprintf("pool-%d-%05d", i%5, i%1000), corev1.EventTypeNormal,
			"Launched", "Launched m5.2xlarge (spot) in us-east-1a at $0.1234/h for 20 pod(s)", time.Duration(i)*time.Second, 1))
	}
	return s
}

func benchModel(b *testing.B, store *Store, view string) *Model {
	b.Helper()
	m := New(context.Background(), Config{Context: "bench", Now: fixedNow, Start: view})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m.Update(SnapshotMsg{Snap: store.Snapshot(now)})
	return m
}

func reportHeap(b *testing.B) {
	b.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	if ms.HeapAlloc > heapBudget {
		b.Errorf("heap %d MB, budget %d MB", ms.HeapAlloc>>20, heapBudget>>20)
	}
}

func checkFrame(b *testing.B, start time.Time) {
	b.Helper()
	per := time.Since(start) / time.Duration(b.N)
	if !raceEnabled && per > frameBudget {
		b.Errorf("Update+View took %s, budget %s", per, frameBudget)
	}
}

// BenchmarkUpdateViewSnapshot is the cost of a cluster change reaching the screen: the top
// screen rebuilds its rows from a new snapshot and renders.
func BenchmarkUpdateViewSnapshot(b *testing.B) {
	store := bigStore()
	snaps := [2]*Snapshot{store.Snapshot(now), store.Snapshot(now.Add(time.Second))}
	for _, view := range Views {
		b.Run(view, func(b *testing.B) {
			m := benchModel(b, store, view)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				m.Update(SnapshotMsg{Snap: snaps[i%2]})
				_ = m.View()
			}
			checkFrame(b, start)
			b.StopTimer()
			reportHeap(b)
			runtime.KeepAlive(m)
		})
	}
}

// BenchmarkUpdateViewKey is the cost of a keypress: moving the cursor in 1000 NodeClaims.
func BenchmarkUpdateViewKey(b *testing.B) {
	store := bigStore()
	m := benchModel(b, store, viewNodeClaims)
	down, up := tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyUp}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		m.Update(k)
		_ = m.View()
	}
	checkFrame(b, start)
	b.StopTimer()
	reportHeap(b)
	runtime.KeepAlive(m)
}

// BenchmarkUpdateViewKeyColoured is a keypress when every row on screen has a colour (a whole
// fleet drifting) on a true-colour terminal: each row is then rendered with its style.
func BenchmarkUpdateViewKeyColoured(b *testing.B) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	store := bigStore()
	for _, c := range store.Snapshot(now).Claims {
		nc := c.NC.DeepCopy()
		nc.Status.Conditions = append(nc.Status.Conditions, metav1.Condition{Type: karpv1.ConditionTypeDrifted, Status: metav1.ConditionTrue, LastTransitionTime: metav1.NewTime(now)})
		store.UpsertNodeClaim(nc, nil)
	}
	m := benchModel(b, store, viewNodeClaims)
	down, up := tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyUp}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := down
		if i%200 >= 100 {
			k = up
		}
		m.Update(k)
		_ = m.View()
	}
	checkFrame(b, start)
	b.StopTimer()
	if v := m.View(); !strings.Contains(v, "\x1b[38;2;") {
		b.Fatalf("the rows are not coloured:\n%s", v)
	}
	reportHeap(b)
	runtime.KeepAlive(m)
}

// BenchmarkSnapshot is the work done off the UI loop per coalesced change.
func BenchmarkSnapshot(b *testing.B) {
	store := bigStore()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = store.Snapshot(now)
	}
	b.StopTimer()
	reportHeap(b)
	runtime.KeepAlive(store)
}

// BenchmarkUpsertPod is an informer's pod update: the per-node sums change incrementally.
func BenchmarkUpsertPod(b *testing.B) {
	store := bigStore()
	pods := make([]*corev1.Pod, 100)
	for i := range pods {
		pods[i] = fixturePod("ns-0", fmt.Sprintf("churn-%d", i), "ip-10-0-0-1.ec2.internal", "250m", "256Mi")
		pods[i].Labels = map[string]string{karpv1.NodePoolLabelKey: "x"}
		pods[i].CreationTimestamp = metav1.NewTime(now)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		store.UpsertPod(pods[i%len(pods)])
	}
}
