package awstest

import "net/http"

// faults are the errors the next calls get, keyed by action; "" stands for any action. Under
// Server.mu.
type faults struct {
	throttles map[string]int
	failures  map[string]*failure
	capacity  []CapacityFault
	spotLimit int
}

type failure struct {
	status int
	left   int
}

// injected is the fault one call is answered with.
type injected struct {
	throttle bool
	status   int
}

// take consumes the fault due for the action's call, the action's own before the wildcard's.
func (f *faults) take(action string) *injected {
	for _, key := range []string{action, ""} {
		if f.throttles[key] > 0 {
			f.throttles[key]--
			return &injected{throttle: true}
		}
		if fl := f.failures[key]; fl != nil && fl.left > 0 {
			fl.left--
			return &injected{status: fl.status}
		}
	}
	return nil
}

// Throttle makes the next n calls of the action ("" for any action) fail with the service's
// throttling error; the SDK's standard retryer retries them.
func (s *Server) Throttle(action string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.throttles == nil {
		s.faults.throttles = map[string]int{}
	}
	s.faults.throttles[action] = n
}

// FailWith makes the next n calls of the action ("" for any action) fail with the HTTP status, a
// 5xx: InternalError for 500, ServiceUnavailable (EC2: Unavailable) for anything else.
func (s *Server) FailWith(action string, status, n int) {
	if status < http.StatusInternalServerError {
		panic("awstest: FailWith injects server errors; give a 5xx status")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.failures == nil {
		s.faults.failures = map[string]*failure{}
	}
	s.faults.failures[action] = &failure{status: status, left: n}
}

// SetInsufficientCapacity makes CreateFleet refuse the offering with InsufficientInstanceCapacity;
// "" matches any instance type, zone or capacity type.
func (s *Server) SetInsufficientCapacity(instanceType, zone, capacityType string) {
	s.AddCapacityFault(CapacityFault{InstanceType: instanceType, Zone: zone, CapacityType: capacityType})
}

// AddCapacityFault makes CreateFleet refuse matching overrides with the fault's code.
func (s *Server) AddCapacityFault(f CapacityFault) {
	if f.Code == "" {
		f.Code = ErrInsufficientInstanceCapacity
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.capacity = append(s.faults.capacity, f)
}

// ClearCapacityFaults gives every offering its capacity back.
func (s *Server) ClearCapacityFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.capacity = nil
}

// SetSpotInstanceLimit caps the running (pending or running) spot instances; launches beyond it
// fail with MaxSpotInstanceCountExceeded. 0 removes the cap.
func (s *Server) SetSpotInstanceLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.spotLimit = n
}

// capacityFault returns the code refusing the offering, or ""; under mu.
func (f *faults) capacityFault(instanceType, zone, capacityType string) string {
	for _, c := range f.capacity {
		if match(c.InstanceType, instanceType) && match(c.Zone, zone) && match(c.CapacityType, capacityType) {
			return c.Code
		}
	}
	return ""
}

func match(pattern, v string) bool { return pattern == "" || pattern == v }
