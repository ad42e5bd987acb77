package aws

import (
	"slices"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

func TestReleaseWaitsForInstancesThenDeletesWhatTheAgentCreated(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	e.readyNodeClass(t, discoveryNodeClass("other"))
	launched, err := e.p.Create(e.ctx, nodeClaim("default-a", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Create(e.ctx, nodeClaim("other-a", "other", smallAMD64...)); err != nil {
		t.Fatal(err)
	}
	// A profile named like the derived one but not the agent's is never deleted.
	handMade := e.srv.AddInstanceProfile(awstest.InstanceProfile{Name: InstanceProfileName(awstest.Region, testCluster, "manual")})

	released, err := e.p.ReleaseNodeClass(e.ctx, "default")
	if err != nil || released {
		t.Fatalf("release with a live instance: %v, %v; want to wait", released, err)
	}
	if len(e.srv.InstanceProfiles()) != 3 {
		t.Fatal("something was deleted while an instance of the node class lives")
	}

	if err := e.p.Delete(e.ctx, launched); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if released, err := e.p.ReleaseNodeClass(e.ctx, "default"); err != nil || !released {
			t.Fatalf("release after termination: %v, %v", released, err)
		}
	}
	var profiles []string
	for _, ip := range e.srv.InstanceProfiles() {
		profiles = append(profiles, ip.Name)
	}
	if len(profiles) != 2 || slices.Contains(profiles, InstanceProfileName(awstest.Region, testCluster, "default")) || !slices.Contains(profiles, handMade.Name) {
		t.Errorf("instance profiles left: %v", profiles)
	}
	lts := e.srv.LaunchTemplates()
	if len(lts) != 1 || lts[0].Tags["karpenter.k8s.aws/ec2nodeclass"] != "other" {
		t.Errorf("launch templates left: %+v, want only the other node class's", lts)
	}
	if released, err := e.p.ReleaseNodeClass(e.ctx, "manual"); err != nil || !released {
		t.Errorf("release of a node class the agent never resolved: %v, %v", released, err)
	}
	if len(e.srv.InstanceProfiles()) != 2 {
		t.Error("a hand-made profile without the cluster's tags was deleted")
	}
}
