package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	awsprovider "github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

// awsEnv is the local control plane, the fake AWS endpoint the agent talks to with
// --cloud-provider=aws, and the stand-in for node bootstrap.
type awsEnv struct {
	*framework.Env
	srv  *awstest.Server
	seed awstest.Seeded
}

func setupAWS(t *testing.T) *awsEnv {
	t.Helper()
	env := framework.Setup(t)
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	// The agent binary resolves credentials and region the standard way; static ones suffice
	// for the fake endpoint, which ignores signatures.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDE2E")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", awstest.Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	e := &awsEnv{Env: env, srv: srv, seed: srv.SeedCluster(awstest.Cluster{Name: framework.ClusterName})}
	bootstrapNodes(t, e)
	return e
}

func (e *awsEnv) startAgent(t *testing.T) *framework.Agent {
	t.Helper()
	return e.StartAgent(t, framework.AgentOptions{Args: []string{
		"--cloud-provider=aws",
		"--aws-endpoint-url=" + e.srv.URL(),
		"--aws-region=" + awstest.Region,
		"--cluster-endpoint=" + e.CP.RESTConfig().Host,
		"--interruption-queue=" + framework.ClusterName,
	}})
}

func (e *awsEnv) nodeClass() *ec2v1.EC2NodeClass {
	nc := framework.NodeClass()
	nc.Spec.Role = e.seed.RoleName
	return nc
}

// bootstrapNodes stands in for nodeadm and the kubelet: every running instance launched for a
// NodeClaim joins as a KWOK Node with its provider ID, the instance type's resources and the
// unregistered taint, and leaves when the instance terminates.
func bootstrapNodes(t *testing.T, e *awsEnv) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		joined := map[string]bool{}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, in := range e.srv.Instances() {
				if in.Tags["karpenter.sh/nodeclaim"] == "" {
					continue
				}
				switch {
				case in.State == awstest.StateRunning && !joined[in.ID]:
					if err := e.Client.Create(ctx, instanceNode(in)); err == nil || apierrors.IsAlreadyExists(err) {
						joined[in.ID] = true
					}
				case (in.State == awstest.StateShuttingDown || in.State == awstest.StateTerminated) && joined[in.ID]:
					node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: in.ID}}
					if err := e.Client.Delete(ctx, node); err == nil || apierrors.IsNotFound(err) {
						delete(joined, in.ID)
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// instanceNode is the Node a kubelet on the instance registers.
func instanceNode(in awstest.Instance) *corev1.Node {
	ty, _ := catalog.Lookup(in.InstanceType)
	arch := "amd64"
	if in.Architecture == "arm64" {
		arch = "arm64"
	}
	node := controlplane.NewKWOKNode(in.ID, strconv.Itoa(ty.VCPU), fmt.Sprintf("%dMi", ty.MemoryMiB), map[string]string{
		corev1.LabelInstanceTypeStable: in.InstanceType,
		corev1.LabelTopologyZone:       in.Zone,
		corev1.LabelTopologyRegion:     awstest.Region,
		corev1.LabelArchStable:         arch,
		karpv1.NodePoolLabelKey:        in.Tags["karpenter.sh/nodepool"],
	})
	node.Spec.ProviderID = "aws:///" + in.Zone + "/" + in.ID
	node.Spec.Taints = []corev1.Taint{karpv1.UnregisteredNoExecuteTaint}
	node.Status.Allocatable = corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(ty.AllocatableCPUMillicores), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(int64(ty.AllocatableMemoryMiB)<<20, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(int64(ty.MaxPods), resource.DecimalSI),
	}
	return node
}

// nodeOf returns the Node of the pod.
func nodeOf(t *testing.T, env *framework.Env, pod corev1.Pod) corev1.Node {
	t.Helper()
	var node corev1.Node
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: pod.Spec.NodeName}, &node); err != nil {
		t.Fatal(err)
	}
	return node
}

func TestAWSLaunchThroughThrottlingWithSecureTemplate(t *testing.T) {
	e := setupAWS(t)
	e.Create(t, e.nodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	e.srv.Throttle("CreateFleet", 2)
	e.startAgent(t)

	framework.Eventually(t, time.Minute, "EC2NodeClass Ready with the seeded subnets, AMIs and instance profile", func(ctx context.Context) (bool, error) {
		nc := &ec2v1.EC2NodeClass{}
		if err := e.Client.Get(ctx, client.ObjectKey{Name: "default"}, nc); err != nil {
			return false, err
		}
		if !meta.IsStatusConditionTrue(nc.Status.Conditions, ec2v1.ConditionTypeReady) {
			return false, fmt.Errorf("conditions %+v", nc.Status.Conditions)
		}
		return len(nc.Status.Subnets) == 3 && len(nc.Status.AMIs) == 2 && nc.Status.InstanceProfile != "", nil
	})
	// A node class whose subnet selector matches nothing makes its NodePool not ready, and both
	// say which selector.
	broken := e.nodeClass()
	broken.Name = "broken"
	broken.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "elsewhere"}}}
	brokenPool := framework.NodePool("broken", framework.GeneralPurpose())
	brokenPool.Spec.Template.Spec.NodeClassRef.Name = "broken"
	e.Create(t, broken, brokenPool)
	framework.Eventually(t, time.Minute, "NodePool broken NodeClassReady=False naming the selector", func(ctx context.Context) (bool, error) {
		np := &karpv1.NodePool{}
		if err := e.Client.Get(ctx, client.ObjectKey{Name: "broken"}, np); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(np.Status.Conditions, karpv1.ConditionTypeNodeClassReady)
		if c == nil || c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "subnetSelectorTerms[0] (tags {karpenter.sh/discovery: elsewhere})") {
			return false, fmt.Errorf("NodeClassReady %+v", c)
		}
		return true, nil
	})

	e.Create(t, framework.Deployment("one", 1, "1", "1Gi"))
	pods := e.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	node := nodeOf(t, e.Env, pods[0])
	if node.Labels[karpv1.CapacityTypeLabelKey] != "spot" {
		t.Errorf("launched %s, want spot", node.Labels[karpv1.CapacityTypeLabelKey])
	}
	if n := e.srv.Calls("CreateFleet"); n < 3 {
		t.Errorf("CreateFleet called %d times; the 2 throttled calls should have been retried", n)
	}
	lts := e.srv.LaunchTemplates()
	if len(lts) == 0 || lts[0].MetadataOptions.HTTPTokens != "required" {
		t.Errorf("launch templates %+v, want IMDSv2 required", lts)
	}
	insts := e.srv.Instances()
	if len(insts) != 1 || insts[0].Tags["kubernetes.io/cluster/"+framework.ClusterName] != "owned" || insts[0].Tags["karpenter.sh/nodepool"] != "default" {
		t.Errorf("instances %+v", insts)
	}
}

func TestAWSSpotFallsBackToOnDemandOnInsufficientCapacity(t *testing.T) {
	e := setupAWS(t)
	e.srv.AddCapacityFault(awstest.CapacityFault{CapacityType: awstest.CapacitySpot})
	// One family, so that a single fleet request offers EC2 every spot offering the pool allows
	// and learns that none has capacity; with hundreds of types, each retry would try the next
	// 60 cheapest spot types first.
	reqs := append(framework.GeneralPurpose(), framework.Req("karpenter.k8s.aws/instance-family", corev1.NodeSelectorOpIn, "m5"))
	e.Create(t, e.nodeClass(), framework.NodePool("default", reqs))
	e.startAgent(t)
	e.Create(t, framework.Deployment("one", 1, "1", "1Gi"))

	pods := e.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	if ct := nodeOf(t, e.Env, pods[0]).Labels[karpv1.CapacityTypeLabelKey]; ct != "on-demand" {
		t.Errorf("launched %s although spot had no capacity", ct)
	}
	framework.Eventually(t, time.Minute, "an InsufficientCapacityError Event naming spot offerings", func(ctx context.Context) (bool, error) {
		evs, err := e.Events(ctx, decisions.ReasonInsufficientCapacity)
		if err != nil {
			return false, err
		}
		for _, ev := range evs {
			if strings.Contains(ev.Message, "/spot") {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events", len(evs))
	})
}

func TestAWSGarbageCollectsOrphansAndHandlesInterruptions(t *testing.T) {
	e := setupAWS(t)
	// An instance tagged for this cluster whose NodeClaim is gone, launched long enough ago.
	orphan := e.srv.AddInstance(awstest.Instance{
		InstanceType: "m5.large", Zone: "us-east-1a", SubnetID: e.seed.SubnetIDs["us-east-1a"], Lifecycle: "on-demand",
		LaunchTime: time.Now().Add(-10 * time.Minute),
		Tags:       map[string]string{"kubernetes.io/cluster/" + framework.ClusterName: "owned", "karpenter.sh/nodeclaim": "gone-xyz", "karpenter.sh/nodepool": "default"},
	})
	e.Create(t, e.nodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	e.startAgent(t)

	framework.Eventually(t, time.Minute, "the orphaned instance terminated with an Event", func(ctx context.Context) (bool, error) {
		in, _ := e.srv.Instance(orphan.ID)
		if in.State != awstest.StateShuttingDown && in.State != awstest.StateTerminated {
			return false, fmt.Errorf("orphan is %s", in.State)
		}
		evs, err := e.Events(ctx, decisions.ReasonOrphanedInstanceDeleted)
		return err == nil && len(evs) > 0, err
	})

	// A spot interruption of a launched node: the agent replaces it.
	e.Create(t, framework.Deployment("one", 1, "1", "1Gi"))
	pods := e.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	first := nodeOf(t, e.Env, pods[0])
	_, id, err := awsprovider.ParseProviderID(first.Spec.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.SendMessage(framework.ClusterName, map[string]any{
		"version": "0", "id": "e2e-spot", "detail-type": "EC2 Spot Instance Interruption Warning", "source": "aws.ec2",
		"account": awstest.AccountID, "region": awstest.Region, "time": time.Now().UTC().Format(time.RFC3339),
		"resources": []string{"arn:aws:ec2:us-east-1:" + awstest.AccountID + ":instance/" + id},
		"detail":    map[string]any{"instance-id": id, "instance-action": "terminate"},
	}); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, provisionTimeout, "the pod running on a replacement node", func(ctx context.Context) (bool, error) {
		pods, err := e.Pods(ctx, map[string]string{"app": "one"})
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && p.Spec.NodeName != first.Name {
				return true, nil
			}
		}
		return false, nil
	})
	evs, err := e.Events(context.Background(), decisions.ReasonInterrupted)
	if err != nil || len(evs) == 0 {
		t.Errorf("no Interrupted Event (%v)", err)
	}
}

func TestAWSDriftAfterAnAMIRelease(t *testing.T) {
	e := setupAWS(t)
	e.Create(t, e.nodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	e.startAgent(t)
	e.Create(t, framework.Deployment("one", 1, "1", "1Gi"))
	e.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	ncs, err := e.NodeClaims(context.Background())
	if err != nil || len(ncs) != 1 {
		t.Fatalf("%d nodeclaims, %v", len(ncs), err)
	}

	// A new AL2023 release; an edit of the node class makes the agent resolve it at once
	// rather than at its next periodic resolution.
	img := e.srv.AddImage(awstest.Image{Name: "amazon-eks-node-al2023-x86_64-standard-1.37-v20260301", Architecture: "x86_64", OwnerID: "amazon"})
	e.srv.SetParameter(awstest.AL2023Parameter("1.37", "x86_64"), img.ID)
	nc := &ec2v1.EC2NodeClass{}
	if err := e.Client.Get(context.Background(), client.ObjectKey{Name: "default"}, nc); err != nil {
		t.Fatal(err)
	}
	nc.Spec.Tags = map[string]string{"release": "march"}
	if err := e.Client.Update(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, time.Minute, "the node class to select the new AMI", func(ctx context.Context) (bool, error) {
		if err := e.Client.Get(ctx, client.ObjectKey{Name: "default"}, nc); err != nil {
			return false, err
		}
		for _, a := range nc.Status.AMIs {
			if a.ID == img.ID {
				return true, nil
			}
		}
		return false, nil
	})

	// The agent has no drift disruption controller yet, so the provider's verdict on the agent's
	// NodeClaim is checked directly, with the status the agent resolved.
	cfg, err := awsprovider.LoadConfig(context.Background(), awstest.Region, e.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	p, err := awsprovider.New(cfg, e.Client, clock.RealClock{}, awsprovider.Options{ClusterName: framework.ClusterName})
	if err != nil {
		t.Fatal(err)
	}
	reason, err := p.IsDrifted(context.Background(), &ncs[0])
	if err != nil || !strings.Contains(string(reason), awsprovider.DriftAMI) || !strings.Contains(string(reason), img.ID) {
		t.Errorf("IsDrifted = %q, %v; want AMIDrift naming %s", reason, err, img.ID)
	}
}
