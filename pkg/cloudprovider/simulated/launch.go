package simulated

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// KWOK plays the kubelet of the Nodes annotated so (the local control plane runs it with
// --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake): it marks them Ready, keeps
// their leases fresh and runs the pods bound to them.
const (
	KWOKNodeAnnotation      = "kwok.x-k8s.io/node"
	KWOKNodeAnnotationValue = "fake"
)

const (
	// launchRetryInterval spaces out attempts to create a Node after an API error.
	launchRetryInterval = time.Second
	// launchWorkers bounds the Nodes created at once. A cloud boots a scale-up's instances in
	// parallel, so this is high: at 8, a loaded API server (four calls per launch) queued the last
	// Nodes of a 45-NodeClaim batch for five seconds. The client's rate limit still applies.
	launchWorkers = 64
)

// startLauncher starts the launcher goroutine once; false when the provider is closed.
func (p *Provider) startLauncher() bool {
	p.mu.Lock()
	started := p.launcherStarted
	p.launcherStarted = true
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return false
	}
	if !started {
		return p.goOwned(p.runLauncher)
	}
	return true
}

// schedule makes the launcher create the record's Node at due.
func (p *Provider) schedule(name string, due time.Time) {
	p.mu.Lock()
	p.launchQueue[name] = due
	p.mu.Unlock()
	select {
	case p.launchWake <- struct{}{}:
	default:
	}
}

func (p *Provider) unschedule(name string) {
	p.mu.Lock()
	delete(p.launchQueue, name)
	p.mu.Unlock()
}

// takeDue removes and returns the launches due at now, and the time of the next one.
func (p *Provider) takeDue(now time.Time) (due []string, next time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, t := range p.launchQueue {
		if !t.After(now) {
			due = append(due, name)
			delete(p.launchQueue, name)
		} else if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return due, next
}

// runLauncher creates Nodes as their launches fall due, on the provider's clock so tests can
// step it. It first resumes the launches that a previous process recorded but did not finish.
func (p *Provider) runLauncher(ctx context.Context) {
	resumed := false
	for {
		if !resumed {
			if err := p.resume(ctx); err != nil {
				p.log.Error(err, "resuming pending launches; retrying")
			} else {
				resumed = true
			}
		}
		now := p.clock.Now()
		due, next := p.takeDue(now)
		p.completeLaunches(ctx, due)
		if len(due) > 0 {
			// Launches may have been scheduled while these ran: look again before sleeping.
			continue
		}
		var wait <-chan time.Time
		var timer interface{ Stop() bool }
		switch {
		case !resumed:
			t := p.clock.NewTimer(launchRetryInterval)
			wait, timer = t.C(), t
		case !next.IsZero():
			t := p.clock.NewTimer(next.Sub(now))
			wait, timer = t.C(), t
		}
		select {
		case <-ctx.Done():
		case <-p.launchWake:
		case <-wait:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// resume schedules every pending launch on record.
func (p *Provider) resume(ctx context.Context) error {
	pending, err := p.listRecords(ctx, client.MatchingLabels{LabelState: StatePending})
	if err != nil {
		return err
	}
	for _, in := range pending {
		p.schedule(in.recordName, in.NodeDueAt)
	}
	return nil
}

// completeLaunches creates the Nodes of the due launches, a few at a time, and retries the ones
// that fail a little later.
func (p *Provider) completeLaunches(ctx context.Context, names []string) {
	sem := make(chan struct{}, launchWorkers)
	var wg sync.WaitGroup
	for _, name := range names {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := p.completeLaunch(ctx, name); err != nil {
				if ctx.Err() != nil {
					return
				}
				p.log.Error(err, "creating the Node of a launch; retrying", "record", name)
				p.schedule(name, p.clock.Now().Add(launchRetryInterval))
			}
		}()
	}
	wg.Wait()
}

// completeLaunch creates the Node of a pending instance and marks it running. Every step is
// safe to repeat, so a crash anywhere leaves work the next provider finishes.
func (p *Provider) completeLaunch(ctx context.Context, name string) error {
	in, err := p.getRecord(ctx, name)
	if err != nil || in == nil || in.State != StatePending {
		// Gone (deleted), interrupted before it booted, or already running: nothing to do.
		return err
	}
	if p.clock.Now().Before(in.NodeDueAt) {
		p.schedule(name, in.NodeDueAt)
		return nil
	}
	node := in.node(p.clock.Now())
	if err := p.client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating Node %s for instance %s: %w", node.Name, in.ID, err)
	}
	updated, err := p.updateRecord(ctx, name, func(r *instance) bool {
		if r.ID != in.ID || r.State != StatePending {
			return false
		}
		r.State = StateRunning
		return true
	})
	if err != nil {
		return err
	}
	if updated == nil || updated.ID != in.ID || updated.State == StateTerminated {
		// Deleted while the Node was being created: Delete may have looked for the Node before
		// it existed, so remove it here or it would be orphaned.
		if err := p.deleteNode(ctx, in.NodeName); err != nil {
			return err
		}
	}
	return nil
}

// node is the Node a kubelet on the instance would register: labels, taints and resources,
// with no addresses, which KWOK fills in as it adopts it. Ready starts False, as a kubelet's
// first status says: Unknown would make the node lifecycle controller add the unreachable taint
// and remove it again later, three taint patches per node instead of one, which at a few hundred
// new nodes held pods back by seconds.
func (in *instance) node(now time.Time) *corev1.Node {
	labels := maps.Clone(in.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[corev1.LabelHostname] = in.NodeName
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        in.NodeName,
			Labels:      labels,
			Annotations: map[string]string{KWOKNodeAnnotation: KWOKNodeAnnotationValue},
		},
		Spec: corev1.NodeSpec{
			ProviderID: in.providerID(),
			Taints:     append([]corev1.Taint(nil), in.Taints...),
		},
		Status: corev1.NodeStatus{
			Capacity:    in.Capacity.DeepCopy(),
			Allocatable: in.Allocatable.DeepCopy(),
			Conditions: []corev1.NodeCondition{{
				Type:               corev1.NodeReady,
				Status:             corev1.ConditionFalse,
				Reason:             "KubeletNotReady",
				Message:            "the kubelet is starting",
				LastHeartbeatTime:  metav1.NewTime(now),
				LastTransitionTime: metav1.NewTime(now),
			}},
			// KWOK keeps what is set here, so the node reports the instance's architecture.
			NodeInfo: corev1.NodeSystemInfo{
				Architecture:    labels[corev1.LabelArchStable],
				OperatingSystem: labels[corev1.LabelOSStable],
			},
		},
	}
}

// deleteNode deletes the Node; one already gone is fine.
func (p *Provider) deleteNode(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := p.client.Delete(ctx, node); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting Node %s: %w", name, err)
	}
	return nil
}
