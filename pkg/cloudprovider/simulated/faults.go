package simulated

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// FaultsConfigMapName is the ConfigMap, in Options.StateNamespace, that injects faults into a
// running provider from outside its process. Its keys are the FaultKey constants; see the
// package documentation for the format.
const FaultsConfigMapName = "faults"

// Keys of the faults ConfigMap.
const (
	FaultKeyInsufficientCapacity     = "insufficientCapacity"
	FaultKeyLaunchErrors             = "launchErrors"
	FaultKeyLaunchErrorInstanceTypes = "launchErrorInstanceTypes"
	FaultKeyExtraLaunchDelay         = "extraLaunchDelay"
	FaultKeyCreateDelay              = "createDelay"
	FaultKeyInterrupt                = "interrupt"
)

var faultKeys = []string{
	FaultKeyInsufficientCapacity, FaultKeyLaunchErrors, FaultKeyLaunchErrorInstanceTypes,
	FaultKeyExtraLaunchDelay, FaultKeyCreateDelay, FaultKeyInterrupt,
}

// Faults are the failures the simulation injects. The zero value injects nothing.
type Faults struct {
	// InsufficientCapacity makes launches into matching offerings fail with insufficient
	// capacity, as EC2's InsufficientInstanceCapacity does. Create marks each refused offering
	// in the UnavailableOfferings cache and tries the next, so GetInstanceTypes reports it
	// unavailable from then on, for the cache's TTL.
	InsufficientCapacity []OfferingPattern
	// LaunchErrors makes the next N calls of Create fail with a generic error. Each failure
	// uses one up (in the ConfigMap, the provider writes the decremented count back).
	LaunchErrors int
	// LaunchErrorInstanceTypes makes Create fail with a generic error whenever the offering it
	// chose is of a matching type (names or globs such as "m5.*"). It does not fall back: a
	// launch error, unlike insufficient capacity, says nothing about other offerings.
	LaunchErrorInstanceTypes []string
	// ExtraLaunchDelay is added to Options.LaunchDelay for every launch while set: slow launches.
	ExtraLaunchDelay time.Duration
	// CreateDelay makes Create wait this long after recording the instance and before
	// returning, so a test can kill the agent while a launch is in flight.
	CreateDelay time.Duration
	// Interrupt names instances to interrupt, by node name, instance id or provider ID. Only the
	// ConfigMap uses it; in-process callers use Provider.Interrupt.
	Interrupt []string
}

// OfferingPattern selects offerings by instance type, zone and capacity type. Each field is a
// name, "*", or a glob in path.Match syntax such as "m5.*".
type OfferingPattern struct {
	InstanceType string
	Zone         string
	CapacityType string
}

func (p OfferingPattern) String() string {
	return p.InstanceType + "/" + p.Zone + "/" + p.CapacityType
}

// Matches reports whether the offering is selected by the pattern.
func (p OfferingPattern) Matches(k cloudprovider.OfferingKey) bool {
	return globMatch(p.InstanceType, k.InstanceType) && globMatch(p.Zone, k.Zone) && globMatch(p.CapacityType, k.CapacityType)
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

const patternFormat = "want <instance-type>/<zone>/<capacity-type>, each a name, * or a glob, e.g. m5.large/us-east-1a/spot or */us-east-1c/*"

// ParseOfferingPattern parses "<instance-type>/<zone>/<capacity-type>". It rejects names that
// cannot match anything (an unknown instance type, a capacity type other than spot, on-demand
// or reserved), because a typo in a fault would otherwise inject nothing, silently.
func ParseOfferingPattern(s string) (OfferingPattern, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != 3 {
		return OfferingPattern{}, errors.New(patternFormat)
	}
	for i, part := range parts {
		parts[i] = strings.TrimSpace(part)
		if parts[i] == "" {
			return OfferingPattern{}, fmt.Errorf("empty part: %s", patternFormat)
		}
		if _, err := path.Match(parts[i], ""); err != nil {
			return OfferingPattern{}, fmt.Errorf("bad glob %q: %w", parts[i], err)
		}
	}
	p := OfferingPattern{InstanceType: parts[0], Zone: parts[1], CapacityType: parts[2]}
	if err := checkInstanceTypeName(p.InstanceType); err != nil {
		return OfferingPattern{}, err
	}
	if !isGlob(p.CapacityType) && !slices.Contains([]string{cloudprovider.CapacityTypeSpot, cloudprovider.CapacityTypeOnDemand, cloudprovider.CapacityTypeReserved}, p.CapacityType) {
		return OfferingPattern{}, fmt.Errorf("unknown capacity type %q: want spot, on-demand, reserved or *", p.CapacityType)
	}
	return p, nil
}

func checkInstanceTypeName(name string) error {
	if isGlob(name) {
		return nil
	}
	if _, ok := catalog.Lookup(name); !ok {
		return fmt.Errorf("unknown instance type %q: not in the catalog", name)
	}
	return nil
}

func isGlob(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// ParseFaults reads the data of the faults ConfigMap. It reports every bad key and entry at
// once, each named, so that whoever wrote the ConfigMap can fix it in one go.
func ParseFaults(data map[string]string) (Faults, error) {
	var f Faults
	var errs []error
	bad := func(key, entry string, err error) {
		if entry == "" {
			errs = append(errs, fmt.Errorf("key %q: %w", key, err))
			return
		}
		errs = append(errs, fmt.Errorf("key %q, entry %q: %w", key, entry, err))
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		value := data[key]
		switch key {
		case FaultKeyInsufficientCapacity:
			for _, e := range splitList(value) {
				p, err := ParseOfferingPattern(e)
				if err != nil {
					bad(key, e, err)
					continue
				}
				f.InsufficientCapacity = append(f.InsufficientCapacity, p)
			}
		case FaultKeyLaunchErrors:
			v := strings.TrimSpace(value)
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(key, v, errors.New("want a count of failures, a whole number ≥ 0"))
				continue
			}
			f.LaunchErrors = n
		case FaultKeyLaunchErrorInstanceTypes:
			for _, e := range splitList(value) {
				if _, err := path.Match(e, ""); err != nil {
					bad(key, e, fmt.Errorf("bad glob: %w", err))
					continue
				}
				if err := checkInstanceTypeName(e); err != nil {
					bad(key, e, err)
					continue
				}
				f.LaunchErrorInstanceTypes = append(f.LaunchErrorInstanceTypes, e)
			}
		case FaultKeyExtraLaunchDelay, FaultKeyCreateDelay:
			v := strings.TrimSpace(value)
			if v == "" {
				continue
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				bad(key, v, errors.New("want a duration ≥ 0 such as 30s or 2m"))
				continue
			}
			if key == FaultKeyExtraLaunchDelay {
				f.ExtraLaunchDelay = d
			} else {
				f.CreateDelay = d
			}
		case FaultKeyInterrupt:
			f.Interrupt = append(f.Interrupt, splitList(value)...)
		default:
			bad(key, "", fmt.Errorf("unknown key; valid keys are %s", strings.Join(faultKeys, ", ")))
		}
	}
	if len(errs) > 0 {
		return Faults{}, errors.Join(errs...)
	}
	return f, nil
}

// ConfigMapData is the inverse of ParseFaults, for tests and tools that write the ConfigMap.
func (f Faults) ConfigMapData() map[string]string {
	data := map[string]string{}
	if len(f.InsufficientCapacity) > 0 {
		s := make([]string, 0, len(f.InsufficientCapacity))
		for _, p := range f.InsufficientCapacity {
			s = append(s, p.String())
		}
		data[FaultKeyInsufficientCapacity] = strings.Join(s, ", ")
	}
	if f.LaunchErrors > 0 {
		data[FaultKeyLaunchErrors] = strconv.Itoa(f.LaunchErrors)
	}
	if len(f.LaunchErrorInstanceTypes) > 0 {
		data[FaultKeyLaunchErrorInstanceTypes] = strings.Join(f.LaunchErrorInstanceTypes, ", ")
	}
	if f.ExtraLaunchDelay > 0 {
		data[FaultKeyExtraLaunchDelay] = f.ExtraLaunchDelay.String()
	}
	if f.CreateDelay > 0 {
		data[FaultKeyCreateDelay] = f.CreateDelay.String()
	}
	if len(f.Interrupt) > 0 {
		data[FaultKeyInterrupt] = strings.Join(f.Interrupt, ", ")
	}
	return data
}

// splitList splits on commas and newlines, drops blanks and "#" comments, so a ConfigMap value
// may hold one entry per line with notes.
func splitList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		for _, e := range strings.Split(line, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// validateZones rejects insufficient-capacity patterns naming a zone the provider does not
// simulate; ParseFaults cannot, as it does not know the provider's zones.
func (f Faults) validateZones(zones []string) error {
	var errs []error
	for _, p := range f.InsufficientCapacity {
		if !isGlob(p.Zone) && !slices.Contains(zones, p.Zone) {
			errs = append(errs, fmt.Errorf("key %q, entry %q: unknown zone %q: the simulated zones are %s",
				FaultKeyInsufficientCapacity, p.String(), p.Zone, strings.Join(zones, ", ")))
		}
	}
	return errors.Join(errs...)
}

// noCapacity reports whether an injected fault refuses the offering.
func (f Faults) noCapacity(k cloudprovider.OfferingKey) bool {
	return slices.ContainsFunc(f.InsufficientCapacity, func(p OfferingPattern) bool { return p.Matches(k) })
}

// launchErrorFor reports whether launching the instance type must fail.
func (f Faults) launchErrorFor(instanceType string) bool {
	return slices.ContainsFunc(f.LaunchErrorInstanceTypes, func(p string) bool { return globMatch(p, instanceType) })
}

// merge combines in-process faults with the ConfigMap's: lists and counts add up, and a delay is
// the longer of the two. The merged LaunchErrors only says whether any is left; consumeLaunchError
// uses each up where it lives.
func (f Faults) merge(o Faults) Faults {
	out := o
	out.LaunchErrors = f.LaunchErrors + o.LaunchErrors
	out.InsufficientCapacity = append(slices.Clone(f.InsufficientCapacity), o.InsufficientCapacity...)
	out.LaunchErrorInstanceTypes = append(slices.Clone(f.LaunchErrorInstanceTypes), o.LaunchErrorInstanceTypes...)
	out.ExtraLaunchDelay = max(f.ExtraLaunchDelay, o.ExtraLaunchDelay)
	out.CreateDelay = max(f.CreateDelay, o.CreateDelay)
	return out
}

// SetFaults replaces the faults injected through the Go API (Interrupt is ignored: call
// Provider.Interrupt). They add to those of the faults ConfigMap.
func (p *Provider) SetFaults(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f.Interrupt = nil
	p.faults = f
}

// configMapFaults reads and parses the faults ConfigMap; absent means no faults.
func (p *Provider) configMapFaults(ctx context.Context) (Faults, error) {
	cm := &corev1.ConfigMap{}
	err := p.reader.Get(ctx, client.ObjectKey{Namespace: p.opts.StateNamespace, Name: FaultsConfigMapName}, cm)
	if apierrors.IsNotFound(err) {
		return Faults{}, nil
	}
	if err != nil {
		return Faults{}, fmt.Errorf("reading the faults ConfigMap %s/%s: %w", p.opts.StateNamespace, FaultsConfigMapName, err)
	}
	f, err := ParseFaults(cm.Data)
	if err == nil {
		err = f.validateZones(p.opts.Zones)
	}
	if err != nil {
		return Faults{}, fmt.Errorf("faults ConfigMap %s/%s is invalid: %w", p.opts.StateNamespace, FaultsConfigMapName, err)
	}
	return f, nil
}

// currentFaults is what applies to this call: the Go API's and the ConfigMap's. An invalid
// ConfigMap is an error rather than ignored, so a test that wrote a typo learns about it.
func (p *Provider) currentFaults(ctx context.Context) (Faults, error) {
	cm, err := p.configMapFaults(ctx)
	if err != nil {
		return Faults{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults.merge(cm), nil
}

// consumeLaunchError uses up one injected launch error, if any is left: first the Go API's, then
// the ConfigMap's, whose count is decremented in place (with optimistic concurrency, so two
// agents never both consume the same one).
func (p *Provider) consumeLaunchError(ctx context.Context) (bool, error) {
	p.mu.Lock()
	if p.faults.LaunchErrors > 0 {
		p.faults.LaunchErrors--
		p.mu.Unlock()
		return true, nil
	}
	p.mu.Unlock()

	consumed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		consumed = false
		cm := &corev1.ConfigMap{}
		if err := p.reader.Get(ctx, client.ObjectKey{Namespace: p.opts.StateNamespace, Name: FaultsConfigMapName}, cm); err != nil {
			return client.IgnoreNotFound(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(cm.Data[FaultKeyLaunchErrors]))
		if err != nil {
			// An absent count, or a malformed one (which currentFaults reports), leaves no
			// launch error to consume.
			n = 0
		}
		if n <= 0 {
			return nil
		}
		cm.Data[FaultKeyLaunchErrors] = strconv.Itoa(n - 1)
		consumed = true
		return p.client.Update(ctx, cm)
	})
	if err != nil {
		return false, fmt.Errorf("consuming an injected launch error from %s/%s: %w", p.opts.StateNamespace, FaultsConfigMapName, err)
	}
	return consumed, nil
}
