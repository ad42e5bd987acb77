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
	// variant is the EKS-optimized AMI variant an alias resolved ("standard", "nvidia",
	// "neuron"), which decides the accelerators it can drive; "" for an image selected otherwise.
	variant string
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
			found, err = p.parameterImages(ctx, []aliasParameter{{name: t.SSMParameter}})
		default:
			in, desc := imagesQuery(t)
			what = desc
			found, err = p.describeImages(ctx, in)
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

// aliasParameter is one public SSM parameter an alias reads, and the variant of its image.
type aliasParameter struct {
	name, variant string
}

// aliasVariants are the AL2023 variants an alias resolves, per EC2 architecture: the standard
// image, and the NVIDIA and Neuron ones that carry the drivers of accelerated types.
var aliasVariants = []struct{ arch, variant string }{
	{"x86_64", "standard"}, {"arm64", "standard"}, {"x86_64", "nvidia"}, {"arm64", "nvidia"}, {"x86_64", "neuron"},
}

// aliasParameters returns the public SSM parameters an alias names, one per architecture and
// variant, or a message when the alias is not one this provider can resolve.
func aliasParameters(alias, kubernetesVersion string) ([]aliasParameter, string) {
	family, version, ok := strings.Cut(alias, "@")
	if !ok || version == "" {
		return nil, "an alias is family@version, such as al2023@latest"
	}
	if strings.ToLower(family) != "al2023" {
		return nil, fmt.Sprintf("the %s family is not supported by this agent; use al2023@latest, or select images by id, name or tags", family)
	}
	out := make([]aliasParameter, 0, len(aliasVariants))
	for _, v := range aliasVariants {
		base := fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/%s/", kubernetesVersion, v.arch, v.variant)
		name := base + "recommended/image_id"
		if version != "latest" {
			name = fmt.Sprintf("%samazon-eks-node-al2023-%s-%s-%s-%s/image_id", base, v.arch, v.variant, kubernetesVersion, version)
		}
		out = append(out, aliasParameter{name: name, variant: v.variant})
	}
	return out, ""
}

func (p *Provider) aliasImages(ctx context.Context, alias string) ([]image, string, error) {
	params, msg := aliasParameters(alias, p.opts.KubernetesVersion)
	if msg != "" {
		return nil, msg, nil
	}
	images, err := p.parameterImages(ctx, params)
	if err != nil {
		return nil, "", err
	}
	if len(images) == 0 {
		return nil, fmt.Sprintf("the SSM parameters %s name no available image (is Kubernetes %s supported by EKS in %s?)",
			params[0].name, p.opts.KubernetesVersion, p.region), nil
	}
	return images, "", nil
}

// parameterImages reads image ids from SSM parameters and describes them. Missing parameters
// are skipped: an alias names several, and a region or version may lack some variants.
func (p *Provider) parameterImages(ctx context.Context, params []aliasParameter) ([]image, error) {
	names := make([]string, 0, len(params))
	variantOf := map[string]string{}
	for _, prm := range params {
		names = append(names, prm.name)
		variantOf[prm.name] = prm.variant
	}
	var ids []string
	variantOfImage := map[string]string{}
	// GetParameters takes at most 10 names per call.
	for start := 0; start < len(names); start += 10 {
		batch := names[start:min(start+10, len(names))]
		out, err := p.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: batch})
		if err != nil {
			return nil, wrap(err, "reading SSM parameters %s", strings.Join(batch, ", "))
		}
		for _, prm := range out.Parameters {
			if v := aws.ToString(prm.Value); v != "" {
				ids = append(ids, v)
				variantOfImage[v] = variantOf[aws.ToString(prm.Name)]
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	images, err := p.describeImages(ctx, &ec2.DescribeImagesInput{ImageIds: ids})
	if err != nil {
		return nil, err
	}
	for i := range images {
		images[i].variant = variantOfImage[images[i].id]
	}
	return images, nil
}

func (p *Provider) describeImages(ctx context.Context, in *ec2.DescribeImagesInput) ([]image, error) {
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
			root := image{id: aws.ToString(img.ImageId), name: aws.ToString(img.Name), arch: arch, created: created, deprecated: deprecated,
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
	var keys []string
	for _, img := range images {
		key := img.arch + "/" + img.variant
		if seen[key] {
			continue
		}
		seen[key] = true
		keys = append(keys, key)
		out = append(out, ec2v1.AMI{ID: img.id, Name: img.name, Deprecated: img.deprecated, Requirements: img.requirements(),
			RootDeviceName: img.rootDevice, RootDeviceSnapshotID: img.rootSnapshot})
	}
	// Stable order (amd64 before arm64, then by variant) keeps the status from churning.
	sort.Sort(byKey{out, keys})
	return out
}

// requirements are what instance types an image can boot: its architecture, and for the EKS
// images the accelerators whose drivers the variant carries (none for the standard one).
func (img image) requirements() []corev1.NodeSelectorRequirement {
	reqs := []corev1.NodeSelectorRequirement{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{img.arch}}}
	switch img.variant {
	case "standard":
		reqs = append(reqs,
			corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceGPUCount, Operator: corev1.NodeSelectorOpDoesNotExist},
			corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceAcceleratorCount, Operator: corev1.NodeSelectorOpDoesNotExist},
		)
	case "nvidia":
		reqs = append(reqs, corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceGPUManufacturer, Operator: corev1.NodeSelectorOpIn, Values: []string{"nvidia"}})
	case "neuron":
		reqs = append(reqs, corev1.NodeSelectorRequirement{Key: catalog.LabelInstanceAcceleratorManufacturer, Operator: corev1.NodeSelectorOpIn, Values: []string{"aws"}})
	}
	return reqs
}

// byKey sorts AMIs by their architecture/variant keys.
type byKey struct {
	amis []ec2v1.AMI
	keys []string
}

func (b byKey) Len() int           { return len(b.amis) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.amis[i], b.amis[j] = b.amis[j], b.amis[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
