package awstest

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func TestDescribeInstanceTypesPaginatesTheWholeCatalog(t *testing.T) {
	s, c, ctx := newServer(t)
	pages, seen := 0, map[string]ec2types.InstanceTypeInfo{}
	p := ec2.NewDescribeInstanceTypesPaginator(c.ec2, &ec2.DescribeInstanceTypesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.InstanceTypes {
			seen[string(it.InstanceType)] = it
		}
	}
	want := len(catalog.Types())
	if len(seen) != want || pages != (want+99)/100 {
		t.Fatalf("got %d types in %d pages, want %d in %d pages of 100", len(seen), pages, want, (want+99)/100)
	}
	if calls := s.Calls("DescribeInstanceTypes"); calls != pages {
		t.Errorf("Calls = %d, want %d", calls, pages)
	}
	m5 := seen["m5.large"]
	if aws.ToInt32(m5.VCpuInfo.DefaultVCpus) != 2 || aws.ToInt64(m5.MemoryInfo.SizeInMiB) != 8192 ||
		m5.ProcessorInfo.SupportedArchitectures[0] != ec2types.ArchitectureTypeX8664 || m5.Hypervisor != ec2types.InstanceTypeHypervisorNitro {
		t.Errorf("m5.large = %+v", m5)
	}
	// Karpenter's max pods for m5.large is 29: 3 ENIs of 10 addresses.
	if enis, ips := aws.ToInt32(m5.NetworkInfo.MaximumNetworkInterfaces), aws.ToInt32(m5.NetworkInfo.Ipv4AddressesPerInterface); enis*(ips-1)+2 != 29 {
		t.Errorf("m5.large ENIs %d x %d addresses do not give 29 pods", enis, ips)
	}
	if g := seen["g5.xlarge"]; g.GpuInfo == nil || aws.ToInt32(g.GpuInfo.Gpus[0].Count) != 1 || aws.ToString(g.GpuInfo.Gpus[0].Manufacturer) != "NVIDIA" {
		t.Errorf("g5.xlarge GPU info = %+v", g.GpuInfo)
	}
	if a := seen["m7g.large"]; a.ProcessorInfo.SupportedArchitectures[0] != ec2types.ArchitectureTypeArm64 {
		t.Errorf("m7g.large architectures = %v", a.ProcessorInfo.SupportedArchitectures)
	}

	_, err := c.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(500)})
	if code := errorCode(t, err); code != "InvalidParameterValue" {
		t.Errorf("MaxResults 500: code %q", code)
	}
	_, err = c.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{NextToken: aws.String("garbage")})
	if code := errorCode(t, err); code != "InvalidNextToken" {
		t.Errorf("bad token: code %q", code)
	}
}

func TestDescribeInstanceTypeOfferingsPerZone(t *testing.T) {
	s, c, ctx := newServer(t)
	s.SetOfferings("m5.large", "us-east-1a")
	zones := map[string][]string{}
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c.ec2, &ec2.DescribeInstanceTypeOfferingsInput{LocationType: ec2types.LocationTypeAvailabilityZone})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range out.InstanceTypeOfferings {
			if o.LocationType != ec2types.LocationTypeAvailabilityZone {
				t.Fatalf("offering %+v is not zonal", o)
			}
			zones[string(o.InstanceType)] = append(zones[string(o.InstanceType)], aws.ToString(o.Location))
		}
	}
	if pages < 2 {
		t.Errorf("all offerings came in %d page(s); want pagination", pages)
	}
	if got := zones["m5.large"]; len(got) != 1 || got[0] != "us-east-1a" {
		t.Errorf("m5.large offered in %v, want only us-east-1a", got)
	}
	if got := zones["c5.large"]; len(got) != 3 {
		t.Errorf("c5.large offered in %v, want three zones", got)
	}
	filtered, err := c.ec2.DescribeInstanceTypeOfferings(ctx, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZone,
		Filters:      []ec2types.Filter{{Name: aws.String("location"), Values: []string{"us-east-1b"}}, {Name: aws.String("instance-type"), Values: []string{"m5.*"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range filtered.InstanceTypeOfferings {
		if aws.ToString(o.Location) != "us-east-1b" || o.InstanceType == "m5.large" {
			t.Errorf("filtered offering %+v", o)
		}
	}
	if len(filtered.InstanceTypeOfferings) == 0 {
		t.Error("no m5 offerings in us-east-1b")
	}
}

func TestDescribeSpotPriceHistory(t *testing.T) {
	s, c, ctx := newServer(t)
	s.SetSpotPrice("m5.large", "us-east-1a", 0.0123)
	out, err := c.ec2.DescribeSpotPriceHistory(ctx, &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes: []ec2types.InstanceType{"m5.large"}, ProductDescriptions: []string{"Linux/UNIX"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SpotPriceHistory) != 3 {
		t.Fatalf("got %d prices, want one per zone", len(out.SpotPriceHistory))
	}
	for _, sp := range out.SpotPriceHistory {
		want := catalog.SpotPrice("m5.large", aws.ToString(sp.AvailabilityZone))
		if aws.ToString(sp.AvailabilityZone) == "us-east-1a" {
			want = 0.0123
		}
		got, err := strconv.ParseFloat(aws.ToString(sp.SpotPrice), 64)
		if err != nil || got != want || sp.Timestamp == nil || sp.ProductDescription != "Linux/UNIX" {
			t.Errorf("price %+v: got %v, want %v", sp, got, want)
		}
	}
	n := 0
	p := ec2.NewDescribeSpotPriceHistoryPaginator(c.ec2, &ec2.DescribeSpotPriceHistoryInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.SpotPriceHistory)
	}
	if n != 3*len(catalog.Types()) {
		t.Errorf("paginated %d prices, want %d", n, 3*len(catalog.Types()))
	}
}
