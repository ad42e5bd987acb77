package awstest

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func TestSSMParameters(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo", KubernetesVersion: "1.36"})
	name := AL2023Parameter("1.36", "arm64")
	out, err := c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Parameter.Value) != seed.AMIs["arm64"] || aws.ToString(out.Parameter.Name) != name || out.Parameter.LastModifiedDate == nil {
		t.Errorf("parameter = %+v, want %s", out.Parameter, seed.AMIs["arm64"])
	}
	_, err = c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(AL2023Parameter("1.20", "arm64"))})
	if code := errorCode(t, err); code != "ParameterNotFound" {
		t.Errorf("missing parameter: code %q", code)
	}
	many, err := c.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{name, "/nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(many.Parameters) != 1 || len(many.InvalidParameters) != 1 || many.InvalidParameters[0] != "/nope" {
		t.Errorf("GetParameters = %+v", many)
	}
}

// priceOf reads the on-demand USD price out of a price list document, as a provider must.
func priceOf(t *testing.T, doc string) (string, float64) {
	t.Helper()
	var d struct {
		Product struct {
			Attributes map[string]string `json:"attributes"`
		} `json:"product"`
		Terms struct {
			OnDemand map[string]struct {
				PriceDimensions map[string]struct {
					PricePerUnit map[string]string `json:"pricePerUnit"`
				} `json:"priceDimensions"`
			} `json:"OnDemand"`
		} `json:"terms"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	for _, term := range d.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			p, err := strconv.ParseFloat(dim.PricePerUnit["USD"], 64)
			if err != nil {
				t.Fatal(err)
			}
			return d.Product.Attributes["instanceType"], p
		}
	}
	t.Fatalf("no on-demand price in %s", doc)
	return "", 0
}

func TestPricingGetProducts(t *testing.T) {
	s, c, ctx := newServer(t)
	s.SetOnDemandPrice("m5.large", 0.5)
	filters := []pricingtypes.Filter{
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(Region)},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("operatingSystem"), Value: aws.String("Linux")},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("tenancy"), Value: aws.String("Shared")},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("preInstalledSw"), Value: aws.String("NA")},
		{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("capacitystatus"), Value: aws.String("Used")},
	}
	prices := map[string]float64{}
	pages := 0
	p := pricing.NewGetProductsPaginator(c.pricing, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), Filters: filters, FormatVersion: aws.String("aws_v1")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, doc := range out.PriceList {
			it, price := priceOf(t, doc)
			prices[it] = price
		}
	}
	if len(prices) != len(catalog.Types()) || pages < 2 {
		t.Errorf("got %d prices in %d pages, want %d over several pages", len(prices), pages, len(catalog.Types()))
	}
	if prices["m5.large"] != 0.5 {
		t.Errorf("m5.large = %v, want the price set", prices["m5.large"])
	}
	if want, _ := catalog.OnDemandPrice("c5.large"); prices["c5.large"] != want {
		t.Errorf("c5.large = %v, want %v", prices["c5.large"], want)
	}
	one, err := c.pricing.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"),
		Filters: append(filters, pricingtypes.Filter{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("instanceType"), Value: aws.String("c5.large")})})
	if err != nil || len(one.PriceList) != 1 {
		t.Fatalf("one type: %+v, %v", one, err)
	}
	none, err := c.pricing.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"),
		Filters: []pricingtypes.Filter{{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String("operatingSystem"), Value: aws.String("Windows")}}})
	if err != nil || len(none.PriceList) != 0 {
		t.Errorf("Windows: %d prices, %v", len(none.PriceList), err)
	}
}

func TestIAMInstanceProfiles(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	role, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(seed.RoleName)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(role.Role.Arn) != "arn:aws:iam::"+AccountID+":role/"+seed.RoleName {
		t.Errorf("role ARN %q", aws.ToString(role.Role.Arn))
	}
	_, err = c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("demo_123")})
	if code := errorCode(t, err); code != "NoSuchEntity" {
		t.Fatalf("missing profile: code %q", code)
	}
	created, err := c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("demo_123"),
		Tags: []iamtypes.Tag{{Key: aws.String("karpenter.sh/managed-by"), Value: aws.String("demo")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("demo_123"), RoleName: aws.String(seed.RoleName)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("demo_123"), Tags: []iamtypes.Tag{{Key: aws.String("extra"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("demo_123")})
	if err != nil {
		t.Fatal(err)
	}
	ip := got.InstanceProfile
	if aws.ToString(ip.Arn) != aws.ToString(created.InstanceProfile.Arn) || len(ip.Roles) != 1 || aws.ToString(ip.Roles[0].RoleName) != seed.RoleName || len(ip.Tags) != 2 {
		t.Errorf("profile = %+v", ip)
	}
	_, err = c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("demo_123")})
	if code := errorCode(t, err); code != "EntityAlreadyExists" {
		t.Errorf("duplicate profile: code %q", code)
	}
	_, err = c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("demo_123"), RoleName: aws.String(seed.RoleName)})
	if code := errorCode(t, err); code != "LimitExceeded" {
		t.Errorf("second role: code %q", code)
	}
	if ps := s.InstanceProfiles(); len(ps) != 1 || ps[0].Tags["karpenter.sh/managed-by"] != "demo" {
		t.Errorf("InstanceProfiles() = %+v", ps)
	}
	given := s.AddInstanceProfile(InstanceProfile{Name: "given", Roles: []string{seed.RoleName}})
	byName, err := c.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("given")})
	if err != nil || aws.ToString(byName.InstanceProfile.Arn) != given.ARN || len(byName.InstanceProfile.Roles) != 1 {
		t.Errorf("an added profile: %+v, %v", byName, err)
	}
}
