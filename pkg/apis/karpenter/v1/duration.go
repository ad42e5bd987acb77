package v1

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Never is the wire form of a NillableDuration that never elapses.
const Never = "Never"

// NillableDuration is a duration that may be "Never" (a nil Duration). Upstream Karpenter uses
// the same wire form for expireAfter and consolidateAfter.
// +kubebuilder:object:generate=false
type NillableDuration struct {
	*time.Duration
}

// MustParseNillableDuration parses a duration or "Never" and panics on error; for defaults and tests.
func MustParseNillableDuration(s string) NillableDuration {
	d, err := ParseNillableDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseNillableDuration parses a Go duration or "Never".
func ParseNillableDuration(s string) (NillableDuration, error) {
	if s == Never {
		return NillableDuration{}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return NillableDuration{}, fmt.Errorf("parsing duration %q: want a duration such as 30s, 5m or 720h, or %q: %w", s, Never, err)
	}
	return NillableDuration{Duration: &d}, nil
}

// String returns the wire form, with zero minute and second parts trimmed so 720h stays 720h.
func (d NillableDuration) String() string {
	if d.Duration == nil {
		return Never
	}
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalJSON writes the duration as a string, "Never" when nil.
func (d NillableDuration) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(d.String())
	if err != nil {
		return nil, fmt.Errorf("marshaling duration %s: %w", d.String(), err)
	}
	return b, nil
}

// UnmarshalJSON reads a duration string or "Never".
func (d *NillableDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string: %w", err)
	}
	parsed, err := ParseNillableDuration(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// DeepCopyInto copies the duration; hand-written because controller-gen cannot see through the
// embedded pointer to a non-struct type.
func (d *NillableDuration) DeepCopyInto(out *NillableDuration) {
	if d.Duration == nil {
		out.Duration = nil
		return
	}
	v := *d.Duration
	out.Duration = &v
}

// DeepCopy returns a copy of the duration.
func (d *NillableDuration) DeepCopy() *NillableDuration {
	if d == nil {
		return nil
	}
	out := new(NillableDuration)
	d.DeepCopyInto(out)
	return out
}
