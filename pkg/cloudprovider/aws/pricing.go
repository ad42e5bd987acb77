package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"k8s.io/utils/clock"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// prices is one immutable snapshot of what instances cost, USD per hour.
type prices struct {
	onDemand map[string]float64
	spot     map[string]map[string]float64 // type -> zone -> price
	gen      uint64
}

// OnDemand is the Pricing API's price, else the embedded catalog's (us-east-1) estimate.
func (ps *prices) OnDemand(name string) (float64, bool) {
	if p, ok := ps.onDemand[name]; ok {
		return p, true
	}
	return catalog.OnDemandPrice(name)
}

// Spot is the latest spot price in the zone, else the on-demand price: an unknown spot price is
// never assumed cheaper than what it would cost for sure.
func (ps *prices) Spot(name, zone string) (float64, bool) {
	if p, ok := ps.spot[name][zone]; ok {
		return p, true
	}
	return ps.OnDemand(name)
}

// priceCache refreshes on-demand and spot prices every ttl; a failed refresh keeps the previous
// prices (or the fallbacks) and is retried after pricingRetryInterval.
type priceCache struct {
	clock clock.Clock
	ttl   time.Duration

	mu        sync.Mutex
	current   *prices
	odAt      time.Time // last successful on-demand refresh
	spotAt    time.Time
	odTried   time.Time
	spotTried time.Time
}

func newPriceCache(clk clock.Clock, ttl time.Duration) *priceCache {
	return &priceCache{clock: clk, ttl: ttl, current: &prices{}}
}

// stale reports whether a refresh is due given when it last succeeded and was last tried.
func (c *priceCache) stale(ok, tried, now time.Time) bool {
	if !ok.IsZero() && now.Sub(ok) < c.ttl {
		return false
	}
	return tried.IsZero() || now.Sub(tried) >= pricingRetryInterval
}

// currentPrices returns the prices, refreshing what is due first.
func (p *Provider) currentPrices(ctx context.Context) *prices {
	c := p.prices
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	next := *c.current
	changed := false
	if c.stale(c.odAt, c.odTried, now) {
		c.odTried = now
		if od, err := p.fetchOnDemand(ctx); err != nil {
			p.log.Error(err, "fetching on-demand prices; using the previous or the embedded catalog's prices")
		} else {
			next.onDemand, c.odAt, changed = od, now, true
		}
	}
	if c.stale(c.spotAt, c.spotTried, now) {
		c.spotTried = now
		if spot, err := p.fetchSpot(ctx); err != nil {
			p.log.Error(err, "fetching spot prices; using the previous ones, or on-demand prices where there are none")
		} else {
			next.spot, c.spotAt, changed = spot, now, true
		}
	}
	if changed {
		next.gen++
		c.current = &next
	}
	return c.current
}

// priceDocument is the part of a Pricing API price list entry the provider reads.
type priceDocument struct {
	Product struct {
		Attributes struct {
			InstanceType string `json:"instanceType"`
		} `json:"attributes"`
	} `json:"product"`
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

func (p *Provider) fetchOnDemand(ctx context.Context) (map[string]float64, error) {
	term := func(field, value string) pricingtypes.Filter {
		return pricingtypes.Filter{Field: aws.String(field), Type: pricingtypes.FilterTypeTermMatch, Value: aws.String(value)}
	}
	in := &pricing.GetProductsInput{
		ServiceCode: aws.String("AmazonEC2"),
		Filters: []pricingtypes.Filter{
			term("regionCode", p.region),
			term("operatingSystem", "Linux"),
			term("tenancy", "Shared"),
			term("preInstalledSw", "NA"),
			term("capacitystatus", "Used"),
			term("marketoption", "OnDemand"),
		},
	}
	out := map[string]float64{}
	pager := pricing.NewGetProductsPaginator(p.pricing, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, wrap(err, "getting EC2 products from the Pricing API")
		}
		for _, doc := range page.PriceList {
			name, price, err := parsePriceDocument(doc)
			if err != nil {
				p.log.V(1).Info("skipping an unreadable price list entry", "error", err.Error())
				continue
			}
			if name != "" && price > 0 {
				out[name] = price
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the Pricing API returned no on-demand Linux price for %s", p.region)
	}
	return out, nil
}

// parsePriceDocument reads the instance type and its hourly USD price from one price list entry.
func parsePriceDocument(doc string) (string, float64, error) {
	var d priceDocument
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return "", 0, fmt.Errorf("decoding a price list entry: %w", err)
	}
	for _, term := range d.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			usd, ok := dim.PricePerUnit["USD"]
			if !ok {
				continue
			}
			f, err := strconv.ParseFloat(usd, 64)
			if err != nil {
				return "", 0, fmt.Errorf("price %q of %s: %w", usd, d.Product.Attributes.InstanceType, err)
			}
			return d.Product.Attributes.InstanceType, f, nil
		}
	}
	return d.Product.Attributes.InstanceType, 0, nil
}

func (p *Provider) fetchSpot(ctx context.Context) (map[string]map[string]float64, error) {
	// A start time of now returns the price in force for every type and zone.
	in := &ec2.DescribeSpotPriceHistoryInput{
		ProductDescriptions: []string{"Linux/UNIX"},
		StartTime:           aws.Time(p.clock.Now()),
	}
	out := map[string]map[string]float64{}
	stamps := map[string]time.Time{}
	pager := ec2.NewDescribeSpotPriceHistoryPaginator(p.ec2, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, wrap(err, "describing the spot price history")
		}
		for _, sp := range page.SpotPriceHistory {
			addSpotPrice(out, stamps, sp)
		}
	}
	return out, nil
}

// addSpotPrice keeps the newest price per type and zone.
func addSpotPrice(out map[string]map[string]float64, stamps map[string]time.Time, sp ec2types.SpotPrice) {
	f, err := strconv.ParseFloat(aws.ToString(sp.SpotPrice), 64)
	if err != nil || f <= 0 {
		return
	}
	name, zone := string(sp.InstanceType), aws.ToString(sp.AvailabilityZone)
	key := name + "/" + zone
	ts := aws.ToTime(sp.Timestamp)
	if prev, ok := stamps[key]; ok && prev.After(ts) {
		return
	}
	stamps[key] = ts
	if out[name] == nil {
		out[name] = map[string]float64{}
	}
	out[name][zone] = f
}
