package simulated

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// The simulated EC2 API keeps its state in the API server, one ConfigMap per instance, so that
// it outlives the agent process: an agent killed mid-launch comes back to the same instances, as
// it would with real EC2. The ConfigMap of an instance is named after its NodeClaim, which makes
// "at most one instance per NodeClaim" an atomic guarantee of the API server rather than a
// check-then-act race.

// Instance states, as EC2 names them.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
)

// Labels of the instance ConfigMaps. The karpenter.sh ones carry the same meaning as on nodes;
// LabelInstanceID and LabelState let `kubectl get cm -L` show the simulated EC2 at a glance.
const (
	LabelManagedBy      = "app.kubernetes.io/managed-by"
	ManagedByValue      = "karpenter-simulated"
	labelDomain         = "simulated-ec2.karpenter-tools.io"
	LabelInstanceID     = labelDomain + "/instance-id"
	LabelState          = labelDomain + "/state"
	LabelNodeClaim      = karpv1.Group + "/nodeclaim"
	recordNamePrefix    = "nc-"
	maxObjectNameLength = 253
)

// Data keys of an instance ConfigMap.
const (
	keyInstanceID    = "instanceID"
	keyNodeClaim     = "nodeClaim"
	keyNodePool      = "nodePool"
	keyNodeClass     = "nodeClass"
	keyInstanceType  = "instanceType"
	keyZone          = "zone"
	keyRegion        = "region"
	keyCapacityType  = "capacityType"
	keyPrice         = "price"
	keyImageID       = "imageID"
	keyLaunchTime    = "launchTime"
	keyNodeDueAt     = "nodeDueAt"
	keyState         = "state"
	keyNodeName      = "nodeName"
	keyInterruptedAt = "interruptedAt"
	keyLabels        = "labels"
	keyTaints        = "taints"
	keyCapacity      = "capacity"
	keyAllocatable   = "allocatable"
	keyTags          = "tags"
)

// instance is one simulated EC2 instance, as recorded in its ConfigMap.
type instance struct {
	ID           string
	NodeClaim    string
	NodePool     string
	NodeClass    string
	InstanceType string
	Zone         string
	Region       string
	CapacityType string
	Price        float64
	ImageID      string
	LaunchTime   time.Time
	// NodeDueAt is when the Node appears: launch time plus the launch delay. Persisting it
	// (rather than the delay) lets a restarted provider finish the launch on time.
	NodeDueAt     time.Time
	State         string
	NodeName      string
	InterruptedAt time.Time
	// Labels are the node's labels except kubernetes.io/hostname: the NodeClaim's own and those
	// of the instance type, zone, region and capacity type.
	Labels map[string]string
	// Taints are what the node registers with, as a kubelet started by Karpenter's user data
	// would: the unregistered taint, then the NodeClaim's taints and startup taints.
	Taints      []corev1.Taint
	Capacity    corev1.ResourceList
	Allocatable corev1.ResourceList
	// Tags are the EC2 tags: the EC2NodeClass's and the ones Karpenter adds.
	Tags map[string]string

	recordName      string
	resourceVersion string
}

func (in *instance) providerID() string { return ProviderID(in.Zone, in.ID) }

// recordName is the ConfigMap name for a NodeClaim. NodeClaim names are at most 253 characters
// like ConfigMap names, so an over-long one keeps a prefix and a hash to stay unique.
func recordName(nodeClaim string) string {
	name := recordNamePrefix + nodeClaim
	if len(name) <= maxObjectNameLength {
		return name
	}
	sum := sha256.Sum256([]byte(nodeClaim))
	return name[:maxObjectNameLength-17] + "-" + hex.EncodeToString(sum[:8])
}

func (in *instance) toConfigMap(namespace string) (*corev1.ConfigMap, error) {
	data := map[string]string{
		keyInstanceID:   in.ID,
		keyNodeClaim:    in.NodeClaim,
		keyNodePool:     in.NodePool,
		keyNodeClass:    in.NodeClass,
		keyInstanceType: in.InstanceType,
		keyZone:         in.Zone,
		keyRegion:       in.Region,
		keyCapacityType: in.CapacityType,
		keyPrice:        strconv.FormatFloat(in.Price, 'f', -1, 64),
		keyImageID:      in.ImageID,
		keyLaunchTime:   in.LaunchTime.UTC().Format(time.RFC3339Nano),
		keyNodeDueAt:    in.NodeDueAt.UTC().Format(time.RFC3339Nano),
		keyState:        in.State,
		keyNodeName:     in.NodeName,
	}
	if !in.InterruptedAt.IsZero() {
		data[keyInterruptedAt] = in.InterruptedAt.UTC().Format(time.RFC3339Nano)
	}
	for key, v := range map[string]any{keyLabels: in.Labels, keyTaints: in.Taints, keyCapacity: in.Capacity, keyAllocatable: in.Allocatable, keyTags: in.Tags} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encoding %s of instance %s: %w", key, in.ID, err)
		}
		data[key] = string(b)
	}
	labels := map[string]string{
		LabelManagedBy:  ManagedByValue,
		LabelInstanceID: in.ID,
		LabelState:      in.State,
	}
	// Label values are capped at 63 characters; the data always has the full names.
	for k, v := range map[string]string{LabelNodeClaim: in.NodeClaim, karpv1.NodePoolLabelKey: in.NodePool} {
		if v != "" && len(validation.IsValidLabelValue(v)) == 0 {
			labels[k] = v
		}
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       namespace,
			Name:            in.recordName,
			ResourceVersion: in.resourceVersion,
			Labels:          labels,
		},
		Data: data,
	}, nil
}

func instanceFromConfigMap(cm *corev1.ConfigMap) (*instance, error) {
	d := cm.Data
	in := &instance{
		ID:              d[keyInstanceID],
		NodeClaim:       d[keyNodeClaim],
		NodePool:        d[keyNodePool],
		NodeClass:       d[keyNodeClass],
		InstanceType:    d[keyInstanceType],
		Zone:            d[keyZone],
		Region:          d[keyRegion],
		CapacityType:    d[keyCapacityType],
		ImageID:         d[keyImageID],
		State:           d[keyState],
		NodeName:        d[keyNodeName],
		recordName:      cm.Name,
		resourceVersion: cm.ResourceVersion,
	}
	var errs []error
	if !instanceIDPattern.MatchString(in.ID) {
		errs = append(errs, fmt.Errorf("%s %q is not an instance id", keyInstanceID, in.ID))
	}
	var err error
	if in.Price, err = strconv.ParseFloat(d[keyPrice], 64); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", keyPrice, err))
	}
	parseTime := func(key string, dst *time.Time, optional bool) {
		if d[key] == "" && optional {
			return
		}
		t, err := time.Parse(time.RFC3339Nano, d[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
		*dst = t
	}
	parseTime(keyLaunchTime, &in.LaunchTime, false)
	parseTime(keyNodeDueAt, &in.NodeDueAt, false)
	parseTime(keyInterruptedAt, &in.InterruptedAt, true)
	for key, dst := range map[string]any{keyLabels: &in.Labels, keyTaints: &in.Taints, keyCapacity: &in.Capacity, keyAllocatable: &in.Allocatable, keyTags: &in.Tags} {
		if d[key] == "" {
			continue
		}
		if err := json.Unmarshal([]byte(d[key]), dst); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	switch in.State {
	case StatePending, StateRunning, StateShuttingDown, StateTerminated:
	default:
		errs = append(errs, fmt.Errorf("%s %q is not one of pending, running, shutting-down, terminated", keyState, in.State))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("instance record %s/%s is corrupt: %w", cm.Namespace, cm.Name, errors.Join(errs...))
	}
	return in, nil
}

// ensureNamespace creates the state namespace once per provider; it is cheap to retry.
func (p *Provider) ensureNamespace(ctx context.Context) error {
	p.mu.Lock()
	done := p.namespaceReady
	p.mu.Unlock()
	if done {
		return nil
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p.opts.StateNamespace}}
	if err := p.client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the state namespace %s: %w", p.opts.StateNamespace, err)
	}
	p.mu.Lock()
	p.namespaceReady = true
	p.mu.Unlock()
	return nil
}

// createRecord stores a new instance. It returns the API server's AlreadyExists error untouched
// when the NodeClaim already has an instance.
func (p *Provider) createRecord(ctx context.Context, in *instance) error {
	if err := p.ensureNamespace(ctx); err != nil {
		return err
	}
	cm, err := in.toConfigMap(p.opts.StateNamespace)
	if err != nil {
		return err
	}
	if err := p.client.Create(ctx, cm); err != nil {
		return err
	}
	in.resourceVersion = cm.ResourceVersion
	return nil
}

// getRecord returns the instance recorded under the ConfigMap name, or nil when there is none.
func (p *Provider) getRecord(ctx context.Context, name string) (*instance, error) {
	cm := &corev1.ConfigMap{}
	err := p.reader.Get(ctx, client.ObjectKey{Namespace: p.opts.StateNamespace, Name: name}, cm)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading instance record %s/%s: %w", p.opts.StateNamespace, name, err)
	}
	return instanceFromConfigMap(cm)
}

// getRecordByID returns the instance with the id, or nil when there is none.
func (p *Provider) getRecordByID(ctx context.Context, id string) (*instance, error) {
	list, err := p.listRecords(ctx, client.MatchingLabels{LabelInstanceID: id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

// listRecords returns every instance record, terminated ones included. A corrupt record is
// logged and skipped, so that one hand-edited ConfigMap cannot stop garbage collection.
func (p *Provider) listRecords(ctx context.Context, opts ...client.ListOption) ([]*instance, error) {
	cms := &corev1.ConfigMapList{}
	opts = append([]client.ListOption{client.InNamespace(p.opts.StateNamespace), client.MatchingLabels{LabelManagedBy: ManagedByValue}}, opts...)
	if err := p.reader.List(ctx, cms, opts...); err != nil {
		return nil, fmt.Errorf("listing instance records in %s: %w", p.opts.StateNamespace, err)
	}
	out := make([]*instance, 0, len(cms.Items))
	for i := range cms.Items {
		in, err := instanceFromConfigMap(&cms.Items[i])
		if err != nil {
			p.log.Error(err, "skipping a corrupt instance record")
			continue
		}
		out = append(out, in)
	}
	return out, nil
}

// updateRecord applies mutate to the freshest copy of the record and writes it back, retrying on
// conflicts so concurrent launchers, deleters and interrupters compose. mutate returns false to
// leave the record as it is. The result is nil when the record is gone.
func (p *Provider) updateRecord(ctx context.Context, name string, mutate func(*instance) bool) (*instance, error) {
	var out *instance
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		in, err := p.getRecord(ctx, name)
		if err != nil || in == nil {
			out = nil
			return err
		}
		out = in
		if !mutate(in) {
			return nil
		}
		cm, err := in.toConfigMap(p.opts.StateNamespace)
		if err != nil {
			return err
		}
		if err := p.client.Update(ctx, cm); err != nil {
			if apierrors.IsNotFound(err) {
				out = nil
				return nil
			}
			return err
		}
		in.resourceVersion = cm.ResourceVersion
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating instance record %s/%s: %w", p.opts.StateNamespace, name, err)
	}
	return out, nil
}

// deleteRecord removes the record; a record already gone is fine.
func (p *Provider) deleteRecord(ctx context.Context, name string) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: p.opts.StateNamespace, Name: name}}
	if err := p.client.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting instance record %s/%s: %w", p.opts.StateNamespace, name, err)
	}
	return nil
}
