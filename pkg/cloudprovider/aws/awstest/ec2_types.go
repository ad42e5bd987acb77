package awstest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// seedCatalog offers every catalog type in DefaultZones at catalog prices; under construction.
func (s *Server) seedCatalog() {
	for _, t := range catalog.Types() {
		it := fromCatalog(t)
		s.instanceTypes[it.Name] = &it
		s.offerings[it.Name] = slices.Clone(DefaultZones)
		s.onDemandPrices[it.Name] = t.OnDemandPrice
		s.spotPrices[it.Name] = map[string]float64{}
		for _, z := range DefaultZones {
			s.spotPrices[it.Name][z] = catalog.SpotPrice(t.Name, z)
		}
	}
	s.sortTypes()
}

// gpuManufacturers spells the catalog's manufacturers as EC2 does.
var gpuManufacturers = map[string]string{"nvidia": "NVIDIA", "amd": "AMD", "habana": "Habana", "": ""}

// CatalogInstanceType describes a catalog type as DescribeInstanceTypes would.
func CatalogInstanceType(name string) (InstanceType, bool) {
	t, ok := catalog.Lookup(name)
	if !ok {
		return InstanceType{}, false
	}
	return fromCatalog(t), true
}

func fromCatalog(t catalog.Type) InstanceType {
	arch := "x86_64"
	if t.Arch == "arm64" {
		arch = "arm64"
	}
	enis, ips := eniLimits(t.MaxPods)
	it := InstanceType{
		Name: t.Name, Architectures: []string{arch}, VCPU: int32(t.VCPU), MemoryMiB: int64(t.MemoryMiB),
		MaxENIs: enis, IPv4PerENI: ips, Hypervisor: t.Hypervisor, BareMetal: strings.Contains(t.Size, "metal"),
		GPUName: t.GPUName, GPUManufacturer: gpuManufacturers[t.GPUManufacturer], GPUCount: int32(t.GPUCount), GPUMemoryMiB: int32(t.GPUMemoryMiB),
		LocalNVMeGiB: int64(t.LocalNVMeGiB), SupportedUsageClass: []string{CapacityOnDemand, CapacitySpot},
	}
	if t.NetworkBandwidthMbps > 0 {
		it.NetworkPerformance = strconv.FormatFloat(float64(t.NetworkBandwidthMbps)/1000, 'f', -1, 64) + " Gigabit"
	}
	return it
}

// eniLimits recovers ENI and per-ENI IPv4 limits consistent with the catalog's max pods, which
// is ENIs*(IPs-1)+2: the catalog does not record the limits themselves. Common ENI counts are
// tried first so the answer looks like a real type's; 0, 0 when nothing fits.
func eniLimits(maxPods int) (int32, int32) {
	for _, enis := range []int{2, 3, 4, 8, 15, 6, 7, 5, 10, 12, 14, 16, 24, 1, 9, 11, 13} {
		if rest := maxPods - 2; rest > 0 && rest%enis == 0 && rest/enis+1 <= 64 {
			return int32(enis), int32(rest/enis + 1)
		}
	}
	return 0, 0
}

// SetInstanceTypes replaces the instance types, offering each in DefaultZones. Prices are kept
// for names that had them.
func (s *Server) SetInstanceTypes(types []InstanceType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instanceTypes, s.offerings = map[string]*InstanceType{}, map[string][]string{}
	for _, t := range types {
		s.instanceTypes[t.Name] = &t
		s.offerings[t.Name] = slices.Clone(DefaultZones)
	}
	s.sortTypes()
}

// SetOfferings sets the zones the instance type is offered in; none withdraws it everywhere.
func (s *Server) SetOfferings(instanceType string, zones ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offerings[instanceType] = slices.Clone(zones)
}

// SetOnDemandPrice sets the price Pricing GetProducts reports, in USD per hour.
func (s *Server) SetOnDemandPrice(instanceType string, usd float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDemandPrices[instanceType] = usd
}

// SetSpotPrice sets the price DescribeSpotPriceHistory reports for the zone, in USD per hour.
func (s *Server) SetSpotPrice(instanceType, zone string, usd float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spotPrices[instanceType] == nil {
		s.spotPrices[instanceType] = map[string]float64{}
	}
	s.spotPrices[instanceType][zone] = usd
}

func (s *Server) sortTypes() {
	s.typeNames = sortedKeys(s.instanceTypes)
}

type instanceTypeXML struct {
	InstanceType          string   `xml:"instanceType"`
	CurrentGeneration     bool     `xml:"currentGeneration"`
	BareMetal             bool     `xml:"bareMetal"`
	Hypervisor            string   `xml:"hypervisor,omitempty"`
	SupportedUsageClasses []string `xml:"supportedUsageClasses>item"`
	SupportedVirt         []string `xml:"supportedVirtualizationTypes>item"`
	ProcessorInfo         struct {
		SupportedArchitectures []string `xml:"supportedArchitectures>item"`
	} `xml:"processorInfo"`
	VCPUInfo struct {
		DefaultVCpus int32 `xml:"defaultVCpus"`
	} `xml:"vCpuInfo"`
	MemoryInfo struct {
		SizeInMiB int64 `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
	InstanceStorageSupported bool `xml:"instanceStorageSupported"`
	InstanceStorageInfo      *struct {
		TotalSizeInGB int64  `xml:"totalSizeInGB"`
		NvmeSupport   string `xml:"nvmeSupport"`
	} `xml:"instanceStorageInfo,omitempty"`
	GpuInfo *struct {
		Gpus []struct {
			Name         string `xml:"name"`
			Manufacturer string `xml:"manufacturer"`
			Count        int32  `xml:"count"`
			MemoryInfo   struct {
				SizeInMiB int32 `xml:"sizeInMiB"`
			} `xml:"memoryInfo"`
		} `xml:"gpus>item"`
		TotalGpuMemoryInMiB int32 `xml:"totalGpuMemoryInMiB"`
	} `xml:"gpuInfo,omitempty"`
	NetworkInfo struct {
		NetworkPerformance        string `xml:"networkPerformance,omitempty"`
		MaximumNetworkInterfaces  int32  `xml:"maximumNetworkInterfaces,omitempty"`
		Ipv4AddressesPerInterface int32  `xml:"ipv4AddressesPerInterface,omitempty"`
		EnaSupport                string `xml:"enaSupport"`
	} `xml:"networkInfo"`
}

type describeInstanceTypesResponse struct {
	ec2Meta
	InstanceTypes []instanceTypeXML `xml:"instanceTypeSet>item"`
	NextToken     string            `xml:"nextToken,omitempty"`
}

func (s *Server) describeInstanceTypes(p params) (ec2Body, error) {
	names, filters := p.strings("InstanceType"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if s.instanceTypes[n] == nil {
			return nil, invalidParameter("The following supplied instance types do not exist: [%s]", n)
		}
	}
	var out []instanceTypeXML
	for _, name := range s.typeNames {
		t := s.instanceTypes[name]
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		ok, err := matchFilters(filters, nil, func(f string) ([]string, bool) {
			switch f {
			case "instance-type":
				return oneOf(t.Name), true
			case "processor-info.supported-architecture":
				return t.Architectures, true
			case "supported-usage-class":
				return t.SupportedUsageClass, true
			case "bare-metal":
				return oneOf(strconv.FormatBool(t.BareMetal)), true
			case "hypervisor":
				return oneOf(t.Hypervisor), true
			case "current-generation":
				return oneOf("true"), true
			case "vcpu-info.default-vcpus":
				return oneOf(strconv.Itoa(int(t.VCPU))), true
			case "memory-info.size-in-mib":
				return oneOf(strconv.FormatInt(t.MemoryMiB, 10)), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, instanceTypeXMLOf(t))
		}
	}
	pg, next, err := page(out, p, 100, 100)
	if err != nil {
		return nil, err
	}
	return &describeInstanceTypesResponse{InstanceTypes: pg, NextToken: next}, nil
}

func instanceTypeXMLOf(t *InstanceType) instanceTypeXML {
	x := instanceTypeXML{InstanceType: t.Name, CurrentGeneration: true, BareMetal: t.BareMetal, Hypervisor: t.Hypervisor,
		SupportedUsageClasses: t.SupportedUsageClass, SupportedVirt: []string{"hvm"}}
	x.ProcessorInfo.SupportedArchitectures = t.Architectures
	x.VCPUInfo.DefaultVCpus = t.VCPU
	x.MemoryInfo.SizeInMiB = t.MemoryMiB
	x.NetworkInfo.NetworkPerformance = t.NetworkPerformance
	x.NetworkInfo.MaximumNetworkInterfaces = t.MaxENIs
	x.NetworkInfo.Ipv4AddressesPerInterface = t.IPv4PerENI
	x.NetworkInfo.EnaSupport = "required"
	if t.LocalNVMeGiB > 0 {
		x.InstanceStorageSupported = true
		x.InstanceStorageInfo = &struct {
			TotalSizeInGB int64  `xml:"totalSizeInGB"`
			NvmeSupport   string `xml:"nvmeSupport"`
		}{TotalSizeInGB: t.LocalNVMeGiB, NvmeSupport: "required"}
	}
	if t.GPUName != "" {
		x.GpuInfo = &struct {
			Gpus []struct {
				Name         string `xml:"name"`
				Manufacturer string `xml:"manufacturer"`
				Count        int32  `xml:"count"`
				MemoryInfo   struct {
					SizeInMiB int32 `xml:"sizeInMiB"`
				} `xml:"memoryInfo"`
			} `xml:"gpus>item"`
			TotalGpuMemoryInMiB int32 `xml:"totalGpuMemoryInMiB"`
		}{TotalGpuMemoryInMiB: t.GPUCount * t.GPUMemoryMiB}
		x.GpuInfo.Gpus = append(x.GpuInfo.Gpus, struct {
			Name         string `xml:"name"`
			Manufacturer string `xml:"manufacturer"`
			Count        int32  `xml:"count"`
			MemoryInfo   struct {
				SizeInMiB int32 `xml:"sizeInMiB"`
			} `xml:"memoryInfo"`
		}{Name: t.GPUName, Manufacturer: t.GPUManufacturer, Count: t.GPUCount})
		x.GpuInfo.Gpus[0].MemoryInfo.SizeInMiB = t.GPUMemoryMiB
	}
	return x
}

type offeringXML struct {
	InstanceType string `xml:"instanceType"`
	LocationType string `xml:"locationType"`
	Location     string `xml:"location"`
}

type describeInstanceTypeOfferingsResponse struct {
	ec2Meta
	Offerings []offeringXML `xml:"instanceTypeOfferingSet>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

func (s *Server) describeInstanceTypeOfferings(p params) (ec2Body, error) {
	locationType, filters := p.get("LocationType"), filtersOf(p)
	if locationType == "" {
		locationType = "region"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []offeringXML
	add := func(name, location string) error {
		o := offeringXML{InstanceType: name, LocationType: locationType, Location: location}
		ok, err := matchFilters(filters, nil, func(f string) ([]string, bool) {
			switch f {
			case "instance-type":
				return oneOf(o.InstanceType), true
			case "location":
				return oneOf(o.Location), true
			}
			return nil, false
		})
		if ok {
			out = append(out, o)
		}
		return err
	}
	for _, name := range s.typeNames {
		zones := s.offerings[name]
		var err error
		switch locationType {
		case "region":
			if len(zones) > 0 {
				err = add(name, Region)
			}
		case "availability-zone":
			for _, z := range zones {
				if err = add(name, z); err != nil {
					break
				}
			}
		case "availability-zone-id":
			for _, z := range zones {
				if err = add(name, "use1-az"+strconv.Itoa(int(z[len(z)-1]-'a'+1))); err != nil {
					break
				}
			}
		default:
			return nil, invalidParameter("Value (%s) for parameter locationType is invalid.", locationType)
		}
		if err != nil {
			return nil, err
		}
	}
	pg, next, err := page(out, p, 1000, 1000)
	if err != nil {
		return nil, err
	}
	return &describeInstanceTypeOfferingsResponse{Offerings: pg, NextToken: next}, nil
}

type spotPriceXML struct {
	InstanceType       string `xml:"instanceType"`
	ProductDescription string `xml:"productDescription"`
	SpotPrice          string `xml:"spotPrice"`
	Timestamp          string `xml:"timestamp"`
	AvailabilityZone   string `xml:"availabilityZone"`
}

type describeSpotPriceHistoryResponse struct {
	ec2Meta
	Prices    []spotPriceXML `xml:"spotPriceHistorySet>item"`
	NextToken string         `xml:"nextToken,omitempty"`
}

// describeSpotPriceHistory reports each offering's current spot price, stamped now: the server
// keeps no history, and callers ask for the latest price anyway.
func (s *Server) describeSpotPriceHistory(p params) (ec2Body, error) {
	names, products, zone, filters := p.strings("InstanceType"), p.strings("ProductDescription"), p.get("AvailabilityZone"), filtersOf(p)
	product := "Linux/UNIX"
	if len(products) > 0 {
		product = products[0]
	}
	now := ec2Time(time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []spotPriceXML
	for _, name := range sortedKeys(s.spotPrices) {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		for _, z := range sortedKeys(s.spotPrices[name]) {
			if zone != "" && z != zone {
				continue
			}
			sp := spotPriceXML{InstanceType: name, ProductDescription: product, AvailabilityZone: z, Timestamp: now,
				SpotPrice: strconv.FormatFloat(s.spotPrices[name][z], 'f', 6, 64)}
			ok, err := matchFilters(filters, nil, func(f string) ([]string, bool) {
				switch f {
				case "instance-type":
					return oneOf(name), true
				case "availability-zone":
					return oneOf(z), true
				case "product-description":
					return oneOf(product), true
				}
				return nil, false
			})
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, sp)
			}
		}
	}
	pg, next, err := page(out, p, 1000, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSpotPriceHistoryResponse{Prices: pg, NextToken: next}, nil
}
