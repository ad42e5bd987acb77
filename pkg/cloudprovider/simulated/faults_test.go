package simulated

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults(map[string]string{
		FaultKeyInsufficientCapacity:     "m5.large/us-east-1a/spot, */us-east-1c/*\n# the whole c family in b:\nc5.*/us-east-1b/on-demand",
		FaultKeyLaunchErrors:             " 2 ",
		FaultKeyLaunchErrorInstanceTypes: "t3.micro,\n r5.*",
		FaultKeyExtraLaunchDelay:         "30s",
		FaultKeyCreateDelay:              "1m",
		FaultKeyInterrupt:                "i-0123456789abcdef0, sim:///us-east-1a/i-0123456789abcdef1",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{
		InsufficientCapacity: []OfferingPattern{
			{"m5.large", "us-east-1a", "spot"}, {"*", "us-east-1c", "*"}, {"c5.*", "us-east-1b", "on-demand"},
		},
		LaunchErrors:             2,
		LaunchErrorInstanceTypes: []string{"t3.micro", "r5.*"},
		ExtraLaunchDelay:         30 * time.Second,
		CreateDelay:              time.Minute,
		Interrupt:                []string{"i-0123456789abcdef0", "sim:///us-east-1a/i-0123456789abcdef1"},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("ParseFaults:\n got %+v\nwant %+v", f, want)
	}
	back, err := ParseFaults(f.ConfigMapData())
	if err != nil || !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip through ConfigMapData: %+v, %v", back, err)
	}
	for _, tc := range []struct {
		key  cloudprovider.OfferingKey
		want bool
	}{
		{cloudprovider.OfferingKey{InstanceType: "m5.large", Zone: "us-east-1a", CapacityType: "spot"}, true},
		{cloudprovider.OfferingKey{InstanceType: "m5.large", Zone: "us-east-1a", CapacityType: "on-demand"}, false},
		{cloudprovider.OfferingKey{InstanceType: "x2gd.metal", Zone: "us-east-1c", CapacityType: "on-demand"}, true},
		{cloudprovider.OfferingKey{InstanceType: "c5.xlarge", Zone: "us-east-1b", CapacityType: "on-demand"}, true},
		{cloudprovider.OfferingKey{InstanceType: "c6g.xlarge", Zone: "us-east-1b", CapacityType: "on-demand"}, false},
	} {
		if got := f.noCapacity(tc.key); got != tc.want {
			t.Errorf("noCapacity(%s) = %v, want %v", tc.key, got, tc.want)
		}
	}
	if !f.launchErrorFor("r5.large") || f.launchErrorFor("m5.large") {
		t.Error("launchErrorFor does not follow launchErrorInstanceTypes")
	}
}

func TestParseFaultsNamesEveryBadEntry(t *testing.T) {
	_, err := ParseFaults(map[string]string{
		FaultKeyInsufficientCapacity:     "m5.large/us-east-1a/spot, m5.large/us-east-1a, m5.larg/*/*, */*/ondemand, [/*/*",
		FaultKeyLaunchErrors:             "many",
		FaultKeyLaunchErrorInstanceTypes: "m9.huge",
		FaultKeyExtraLaunchDelay:         "-1s",
		"insufficentCapacity":            "*/*/*",
	})
	if err == nil {
		t.Fatal("ParseFaults accepted bad entries")
	}
	msg := err.Error()
	for _, want := range []string{
		`"m5.large/us-east-1a": want <instance-type>/<zone>/<capacity-type>`,
		`"m5.larg/*/*": unknown instance type "m5.larg"`,
		`"*/*/ondemand": unknown capacity type "ondemand"`,
		`"[/*/*": bad glob`,
		`key "launchErrors", entry "many"`,
		`key "launchErrorInstanceTypes", entry "m9.huge": unknown instance type`,
		`key "extraLaunchDelay", entry "-1s"`,
		`key "insufficentCapacity": unknown key; valid keys are insufficientCapacity`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, `"m5.large/us-east-1a/spot"`) {
		t.Errorf("error blames a good entry:\n%s", msg)
	}
}

func TestFaultZonesAreChecked(t *testing.T) {
	f, err := ParseFaults(map[string]string{FaultKeyInsufficientCapacity: "*/us-east-1d/*, */us-east-1?/*"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.validateZones(DefaultZones)
	if err == nil || !strings.Contains(err.Error(), `unknown zone "us-east-1d"`) || strings.Contains(err.Error(), "1?") {
		t.Fatalf("validateZones: %v", err)
	}
}
