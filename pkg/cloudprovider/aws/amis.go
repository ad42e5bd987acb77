package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// ec2Arch maps EC2's architecture names to Kubernetes'.
var ec2Arch = map[string]string{"x86_64": karpv1.ArchitectureAmd64, "arm64": karpv1.ArchitectureArm64}

// image is one AMI a selector matched.
type image struct {
	id, name, arch string
	rootDevice     string
	rootSnapshot   string
	created        time.Time
	deprecated     bool
	// standard marks the EKS-optimized AMIs without GPU or Neuron drivers, which must not boot
	// accelerated types.
	standard bool
}

// resolveAMIs returns the newest image per architecture the terms select, or a message saying
// what matched nothing.
func (p *Provider) resolveAMIs(ctx context.Context, terms []ec2v1.AMISelectorTerm) ([]ec2v1.AMI, string, error) {
	var images []image
	var empty []string
	for i, t := range terms {
		var (
			found []image
			what  string
			err   error
		)
		switch {
		case t.Alias != "":
			what = "alias " + t.Alias
			var msg string
			found, msg, err = p.aliasImages(ctx, t.Alias)
			if msg != "" {
				return nil, fmt.Sprintf("amiSelectorTerms[%d] (%s): %s", i, what, msg), nil
			}
		case t.SSMParameter != "":
			what = "ssmParameter " + t.SSMParameter
			found, err = p.parameterImages(ctx, []string{t.SSMParameter}, false)
		default:
			in, desc := imagesQuery(t)
			what = desc
			found, err = p.describeImages(ctx, in, false)
		}
		if err != nil {
			return nil, "", wrap(err, "resolving amiSelectorTerms[%d] (%s)", i, what)
		}
		if len(found) == 0 {
			empty = append(empty, fmt.Sprintf("amiSelectorTerms[%d] (%s)", i, what))
		}
		images = append(images, found...)
	}
	if len(images) == 0 {
		return nil, fmt.Sprintf("no available image in %s matches %s", p.region, strings.Join(empty, " or ")), nil
	}
	return newestPerArch(images), "", nil
}

// imagesQuery builds a DescribeImages request for a term by id, name, owner and tags. Without an
// owner, only the account's own and Amazon's images are searched, so that a name pattern cannot
// pick up a look-alike image someone else published.
func imagesQuery(t ec2v1.AMISelectorTerm) (*ec2.DescribeImagesInput, string) {
	in := &ec2.DescribeImagesInput{Filters: []ec2types.Filter{filter("state", "available")}}
	var desc []string
	if t.ID != "" {
		in.ImageIds = []string{t.ID}
		return in, "id " + t.ID
	}
	if t.Name != "" {
		in.Filters = append(in.Filters, filter("name", t.Name))
		desc = append(desc, "name "+t.Name)
	}
	if len(t.Tags) > 0 {
		in.Filters = append(in.Filters, tagFilters(t.Tags)...)
		desc = append(desc, "tags "+describeTags(t.Tags))
	}
	if t.Owner != "" {
		in.Owners = []string{t.Owner}
		desc = append(desc, "owner "+t.Owner)
	} else {
		in.Owners = []string{"self", "amazon"}
	}
	return in, strings.Join(desc, ", ")
}

// aliasParameters returns the public SSM parameters an alias names, one per architecture, or a
// message when the alias is not one this provider can resolve.
func aliasParameters(alias, kubernetesVersion string) ([]string, string) {
	family, version, ok := strings.Cut(alias, "@")
	if !ok || version == "" {
		return nil, "an alias is family@version, such as al2023@latest"
	}
	if strings.ToLower(family) != "al2023" {
		return nil, fmt.Sprintf("the %s family is not supported by this agent; use al2023@latest, or select images by id, name or tags", family)
	}
	var out []string
	for _, arch := range []string{"x86_64", "arm64"} {
		base := fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/standard/", kubernetesVersion, arch)
		if version == "latest" {
			out = append(out, base+"recommended/image_id")
		} else {
			out = append(out, fmt.Sprintf("%samazon-eks-node-al2023-%s-standard-%s-%s/image_id", base, arch, kubernetesVersion, version))
		}
	}
	return out, ""
}

func (p *Provider) aliasImages(ctx context.Context, alias string) ([]image, string, error) {
	params, msg := aliasParameters(alias, p.opts.KubernetesVersion)
	if msg != "" {
		return nil, msg, nil
	}
	images, err := p.parameterImages(ctx, params, true)
	if err != nil {
		return nil, "", err
	}
	if len(images) == 0 {
		return nil, fmt.Sprintf("the SSM parameters %s name no available image (is Kubernetes %s supported by EKS in %s?)",
			strings.Join(params, ", "), p.opts.KubernetesVersion, p.region), nil
	}
	return images, "", nil
}

// parameterImages reads image ids from SSM parameters and describes them. Missing parameters are
// skipped: an alias names one per architecture, and a region may lack one.
func (p *Provider) parameterImages(ctx context.Context, names []string, standard bool) ([]image, error) {
	out, err := p.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: names})
	if err != nil {
		return nil, wrap(err, "reading SSM parameters %s", strings.Join(names, ", "))
	}
	var ids []string
	for _, prm := range out.Parameters {
		if v := aws.ToString(prm.Value); v != "" {
			ids = append(ids, v)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return p.describeImages(ctx, &ec2.DescribeImagesInput{ImageIds: ids}, standard)
}

func (p *Provider) describeImages(ctx context.Context, in *ec2.DescribeImagesInput, standard bool) ([]image, error) {
	var out []image
	pager := ec2.NewDescribeImagesPaginator(p.ec2, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if isNotFound(err) {
				return nil, nil
			}
			return nil, wrap(err, "describing images")
		}
		for _, img := range page.Images {
			arch, ok := ec2Arch[string(img.Architecture)]
			if !ok || (img.State != "" && img.State != ec2types.ImageStateAvailable) {
				continue
			}
			created, _ := time.Parse(time.RFC3339, aws.ToString(img.CreationDate))
			deprecated := false
			if dt, err := time.Parse(time.RFC3339, aws.ToString(img.DeprecationTime)); err == nil && !dt.After(p.clock.Now()) {
				deprecated = true
			}
			root := image{id: aws.ToString(img.ImageId), name: aws.ToString(img.Name), arch: arch, created: created, deprecated: deprecated, standard: standard,
				rootDevice: aws.ToString(img.RootDeviceName)}
			for _, bdm := range img.BlockDeviceMappings {
				if aws.ToString(bdm.DeviceName) == root.rootDevice && bdm.Ebs != nil {
					root.rootSnapshot = aws.ToString(bdm.Ebs.SnapshotId)
				}
			}
			out = append(out, root)
		}
	}
	return out, nil
}

// newestPerArch keeps, per architecture, the newest image, preferring ones not deprecated, so
// that a new AMI release replaces the old one in the status and drifts the nodes built from it.
func newestPerArch(images []image) []ec2v1.AMI {
	sort.SliceStable(images, func(i, j int) bool {
		a, b := images[i], images[j]
		if a.deprecated != b.deprecated {
			return !a.deprecated
		}
		if !a.created.Equal(b.created) {
			return a.created.After(b.created)
		}
		return a.id < b.id
	})
	seen := map[string]bool{}
	var out []ec2v1.AMI
	for _, img := range images {
		if seen[img.arch] {
			continue
		}
		seen[img.arch] = true
		out = append(out, ec2v1.AMI{ID: img.id, Name: img.name, Deprecated: img.deprecated, Requirements: img.requirements(),
			RootDeviceName: img.rootDevice, RootDeviceSnapshotID: img.rootSnapshot})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Requirements[0].Values[0] < out[j].Requirements[0].Values[0] })
	return out
}

// requirements are what instance types an image can boot: its architecture, and no GPU or
// Neuron accelerator for the EKS standard images, which lack their drivers.
func (img image) requirements() []corev1.NodeSelectorRequirement {
	reqs := []corev1.NodeSelectorRequirement{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{img.arch}}}
	if img.standard {
		reqs = append(reqs,
			corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceGPUCount, Operator: corev1.NodeSelectorOpDoesNotExist},
			corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceAcceleratorCount, Operator: corev1.NodeSelectorOpDoesNotExist},
		)
	}
	return reqs
}
