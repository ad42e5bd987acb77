package aws

import (
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestMetadataOptionsDefaultToIMDSv2(t *testing.T) {
	got := metadataOptions(nil)
	if *got.HTTPTokens != "required" || *got.HTTPPutResponseHopLimit != 1 || *got.HTTPEndpoint != "enabled" {
		t.Errorf("defaults %+v", got)
	}
	got = metadataOptions(&ec2v1.MetadataOptions{HTTPPutResponseHopLimit: ptr.To[int64](2)})
	if *got.HTTPTokens != "required" || *got.HTTPPutResponseHopLimit != 2 {
		t.Errorf("a hop limit of 2 keeps IMDSv2: %+v", got)
	}
}

func TestTemplateNamesFollowContent(t *testing.T) {
	a := templateSpec{Cluster: "c", ImageID: "ami-1", SecurityGroups: []string{"sg-1"}, UserData: "x"}
	b := a
	b.ImageID = "ami-2"
	na, _ := a.name()
	nb, _ := b.name()
	again, _ := a.name()
	if na == nb || na != again || !strings.HasPrefix(na, LaunchTemplatePrefix+"c/") {
		t.Errorf("names %q %q %q", na, nb, again)
	}
}

func TestBlockDevices(t *testing.T) {
	def := blockDevices(nil)
	if len(def) != 1 || *def[0].DeviceName != "/dev/xvda" || *def[0].Ebs.VolumeSize != 20 || !*def[0].Ebs.Encrypted || def[0].Ebs.VolumeType != "gp3" {
		t.Errorf("default root volume %+v", def[0].Ebs)
	}
	size := resource.MustParse("100G") // not a whole number of GiB: rounded up
	got := blockDevices([]*ec2v1.BlockDeviceMapping{{DeviceName: ptr.To("/dev/xvda"), RootVolume: true, EBS: &ec2v1.BlockDevice{
		VolumeSize: &size, VolumeType: ptr.To("io2"), IOPS: ptr.To[int64](4000), Encrypted: ptr.To(true),
	}}})
	if *got[0].Ebs.VolumeSize != 94 || got[0].Ebs.VolumeType != "io2" || *got[0].Ebs.Iops != 4000 {
		t.Errorf("converted %+v", got[0].Ebs)
	}
}

func TestUserDataAppendsTheNodeClassScript(t *testing.T) {
	p := &Provider{opts: Options{ClusterName: "prod", ClusterEndpoint: "https://example.com", ServiceCIDR: "172.20.0.0/16"}}
	nc := &ec2v1.EC2NodeClass{Spec: ec2v1.EC2NodeClassSpec{
		UserData: ptr.To("#!/bin/bash\necho hello\n"),
		Kubelet:  &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](58), ClusterDNS: []string{"10.0.0.10"}},
	}}
	enc, err := p.userData(nc, map[string]string{"karpenter.sh/nodepool": "gpu"}, []corev1.Taint{karpv1.UnregisteredNoExecuteTaint, {Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(enc)
	ud := string(b)
	for _, want := range []string{
		"Content-Type: multipart/mixed", "Content-Type: application/node.eks.aws", "cidr: 172.20.0.0/16", "maxPods: 58", "- 10.0.0.10",
		"--node-labels=karpenter.sh/nodepool=gpu", "--register-with-taints=karpenter.sh/unregistered=:NoExecute,gpu=true:NoSchedule",
		"Content-Type: text/x-shellscript", "echo hello", "--//--",
	} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q:\n%s", want, ud)
		}
	}
	if strings.Index(ud, "application/node.eks.aws") > strings.Index(ud, "x-shellscript") {
		t.Error("the node class's script must come after the NodeConfig")
	}
}
