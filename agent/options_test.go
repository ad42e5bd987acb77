package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Options, error) {
	t.Helper()
	o := &Options{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		return nil, err
	}
	return o, o.Validate()
}

func TestDefaultsMatchTheIssue(t *testing.T) {
	o, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.BatchIdleDuration != time.Second || o.BatchMaxDuration != 10*time.Second {
		t.Errorf("batch durations = %s/%s, want 1s/10s", o.BatchIdleDuration, o.BatchMaxDuration)
	}
	if o.CloudProvider != ProviderSimulated || !o.LeaderElect {
		t.Errorf("cloud provider %q, leader-elect %v", o.CloudProvider, o.LeaderElect)
	}
}

func TestEnvironmentFillsUnsetFlagsOnly(t *testing.T) {
	env := map[string]string{"BATCH_IDLE_DURATION": "2s", "CLOUD_PROVIDER": "gcp", "LEADER_ELECT": "false"}
	o, err := parse(t, env, "--cloud-provider=simulated")
	if err != nil {
		t.Fatal(err)
	}
	if o.BatchIdleDuration != 2*time.Second {
		t.Errorf("BATCH_IDLE_DURATION ignored: %s", o.BatchIdleDuration)
	}
	if o.CloudProvider != ProviderSimulated {
		t.Errorf("environment overrode an explicit flag: %q", o.CloudProvider)
	}
	if o.LeaderElect {
		t.Error("LEADER_ELECT=false ignored")
	}
}

func TestBadInputNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"--cloud-provider=gcp"}, want: "--cloud-provider"},
		{args: []string{"--batch-idle-duration=5s", "--batch-max-duration=2s"}, want: "--batch-max-duration"},
		{args: []string{"--log-level=verbose"}, want: "--log-level"},
		{env: map[string]string{"BATCH_MAX_DURATION": "soon"}, want: "BATCH_MAX_DURATION"},
		{args: []string{"--cloud-provider=aws"}, want: "--cluster-endpoint"},
		{args: []string{"--cloud-provider=aws", "--cluster-endpoint=api.example.com"}, want: "--cluster-endpoint"},
	} {
		_, err := parse(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("args %v env %v: error %v, want one naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestAWSFlagsFromEnvironment(t *testing.T) {
	env := map[string]string{
		"CLOUD_PROVIDER":     "aws",
		"CLUSTER_NAME":       "prod",
		"CLUSTER_ENDPOINT":   "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
		"AWS_REGION":         "eu-west-1",
		"INTERRUPTION_QUEUE": "prod",
		"AWS_ENDPOINT_URL":   "http://127.0.0.1:4566",
	}
	o, err := parse(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.CloudProvider != ProviderAWS || o.ClusterName != "prod" || o.ClusterEndpoint != env["CLUSTER_ENDPOINT"] ||
		o.AWSRegion != "eu-west-1" || o.InterruptionQueue != "prod" || o.AWSEndpoint != env["AWS_ENDPOINT_URL"] {
		t.Errorf("options = %+v", o)
	}
}

func TestServiceCIDRFromTheKubernetesService(t *testing.T) {
	for ip, want := range map[string]string{
		"10.100.0.1":   "10.100.0.0/16",
		"172.20.0.1":   "172.20.0.0/16",
		"fd12:3456::1": "fd12:3456::/108",
	} {
		if got, err := serviceCIDROf(ip); err != nil || got != want {
			t.Errorf("serviceCIDROf(%q) = %q, %v; want %q", ip, got, err, want)
		}
	}
	if _, err := serviceCIDROf("None"); err == nil || !strings.Contains(err.Error(), "--cluster-service-cidr") {
		t.Errorf("a headless address: %v", err)
	}
}
