package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) pricingHandlers() map[string]jsonHandler {
	return map[string]jsonHandler{"GetProducts": s.getProducts}
}

type pricingFilter struct {
	Type  string
	Field string
	Value string
}

// priceDocument is one entry of GetProducts' PriceList, shaped like the AWS price list: the
// product's attributes, and on-demand terms keyed by SKU and offer term code.
type priceDocument struct {
	Product struct {
		ProductFamily string            `json:"productFamily"`
		Attributes    map[string]string `json:"attributes"`
		SKU           string            `json:"sku"`
	} `json:"product"`
	ServiceCode     string                          `json:"serviceCode"`
	Terms           map[string]map[string]priceTerm `json:"terms"`
	Version         string                          `json:"version"`
	PublicationDate string                          `json:"publicationDate"`
}

type priceTerm struct {
	PriceDimensions map[string]priceDimension `json:"priceDimensions"`
	SKU             string                    `json:"sku"`
	EffectiveDate   string                    `json:"effectiveDate"`
	OfferTermCode   string                    `json:"offerTermCode"`
	TermAttributes  map[string]string         `json:"termAttributes"`
}

type priceDimension struct {
	Unit         string            `json:"unit"`
	EndRange     string            `json:"endRange"`
	Description  string            `json:"description"`
	AppliesTo    []string          `json:"appliesTo"`
	RateCode     string            `json:"rateCode"`
	BeginRange   string            `json:"beginRange"`
	PricePerUnit map[string]string `json:"pricePerUnit"`
}

// onDemandTermCode is the offer term code AWS uses for on-demand.
const onDemandTermCode = "JRTCKXETXF"

func sku(instanceType string) string {
	h := fnv.New64a()
	h.Write([]byte(instanceType))
	return strings.ToUpper(strconv.FormatUint(h.Sum64(), 36))
}

// priceDocumentFor builds the Linux, shared tenancy, no pre-installed software product of the
// type in us-east-1, the one providers filter for.
func (s *Server) priceDocumentFor(name string, usd float64) priceDocument {
	var d priceDocument
	d.ServiceCode, d.Version, d.PublicationDate = "AmazonEC2", "20260101000000", "2026-01-01T00:00:00Z"
	d.Product.ProductFamily, d.Product.SKU = "Compute Instance", sku(name)
	attrs := map[string]string{
		"servicecode": "AmazonEC2", "instanceType": name, "location": "US East (N. Virginia)", "locationType": "AWS Region",
		"regionCode": Region, "operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
		"capacitystatus": "Used", "licenseModel": "No License required", "usagetype": "BoxUsage:" + name,
		"operation": "RunInstances", "marketoption": "OnDemand",
	}
	if t := s.instanceTypes[name]; t != nil {
		attrs["vcpu"] = strconv.Itoa(int(t.VCPU))
		attrs["memory"] = strconv.FormatFloat(float64(t.MemoryMiB)/1024, 'f', -1, 64) + " GiB"
		if fam, _, ok := strings.Cut(name, "."); ok {
			attrs["instanceFamily"] = fam
		}
	}
	d.Product.Attributes = attrs
	termKey := d.Product.SKU + "." + onDemandTermCode
	rate := termKey + ".6YS6EN2CT7"
	d.Terms = map[string]map[string]priceTerm{"OnDemand": {termKey: {
		SKU: d.Product.SKU, EffectiveDate: "2026-01-01T00:00:00Z", OfferTermCode: onDemandTermCode, TermAttributes: map[string]string{},
		PriceDimensions: map[string]priceDimension{rate: {
			Unit: "Hrs", EndRange: "Inf", BeginRange: "0", RateCode: rate, AppliesTo: []string{},
			Description:  fmt.Sprintf("$%.4f per On Demand Linux %s Instance Hour", usd, name),
			PricePerUnit: map[string]string{"USD": strconv.FormatFloat(usd, 'f', 10, 64)},
		}},
	}}}
	return d
}

func (s *Server) getProducts(_ context.Context, body []byte) (any, error) {
	var in struct {
		ServiceCode string
		Filters     []pricingFilter
		MaxResults  int
		NextToken   string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.ServiceCode != "AmazonEC2" {
		return nil, &apiError{status: http.StatusBadRequest, code: "InvalidParameterException", message: "the test server prices only AmazonEC2, not " + in.ServiceCode}
	}
	if in.MaxResults <= 0 {
		in.MaxResults = 100
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []priceDocument
	for _, name := range sortedKeys(s.onDemandPrices) {
		if d := s.priceDocumentFor(name, s.onDemandPrices[name]); matchPricing(in.Filters, d.Product.Attributes) {
			matched = append(matched, d)
		}
	}
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "page-"))
		if err != nil || n < 0 || n > len(matched) {
			return nil, &apiError{status: http.StatusBadRequest, code: "InvalidNextTokenException", message: "invalid next token"}
		}
		start = n
	}
	end := min(start+in.MaxResults, len(matched))
	// The price list documents travel as JSON strings inside the JSON response, as AWS sends them.
	docs := make([]string, 0, end-start)
	for _, d := range matched[start:end] {
		data, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("encoding the price of %s: %w", d.Product.Attributes["instanceType"], err)
		}
		docs = append(docs, string(data))
	}
	out := map[string]any{"FormatVersion": "aws_v1", "PriceList": docs}
	if end < len(matched) {
		out["NextToken"] = "page-" + strconv.Itoa(end)
	}
	return out, nil
}

// matchPricing applies GetProducts filters to product attributes; field names are
// case-insensitive, as the Pricing API treats them.
func matchPricing(filters []pricingFilter, attrs map[string]string) bool {
	for _, f := range filters {
		var v string
		found := false
		for k, val := range attrs {
			if strings.EqualFold(k, f.Field) {
				v, found = val, true
				break
			}
		}
		if !found {
			return false
		}
		switch f.Type {
		case "", "TERM_MATCH", "EQUALS":
			if !strings.EqualFold(v, f.Value) {
				return false
			}
		case "CONTAINS":
			if !strings.Contains(strings.ToLower(v), strings.ToLower(f.Value)) {
				return false
			}
		case "ANY_OF":
			if !slices.ContainsFunc(strings.Split(f.Value, ","), func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), v) }) {
				return false
			}
		case "NONE_OF":
			if slices.ContainsFunc(strings.Split(f.Value, ","), func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), v) }) {
				return false
			}
		}
	}
	return true
}
