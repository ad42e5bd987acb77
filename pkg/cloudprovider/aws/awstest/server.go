package awstest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// MaxWait caps an SQS long poll, so a test's WaitTimeSeconds of 20 returns an empty receive
// quickly instead of holding a test (or a shutdown) for 20 seconds.
const MaxWait = 2 * time.Second

// Server is the fake AWS endpoint. Create it with NewServer.
type Server struct {
	http *httptest.Server

	mu  sync.Mutex
	seq int // for IDs; under mu

	calls  map[string]int
	faults faults

	vpcs            map[string]bool
	subnets         map[string]*Subnet
	securityGroups  map[string]*SecurityGroup
	images          map[string]*Image
	parameters      map[string]string
	instanceTypes   map[string]*InstanceType
	typeNames       []string            // sorted, for stable pagination
	offerings       map[string][]string // instance type -> zones
	onDemandPrices  map[string]float64
	spotPrices      map[string]map[string]float64 // type -> zone -> price
	instances       map[string]*Instance
	instanceOrder   []string
	launchTemplates map[string]*LaunchTemplate // by ID
	fleets          []*Fleet
	roles           map[string]*Role
	profiles        map[string]*InstanceProfile
	queues          map[string]*queue // by name
}

// NewServer starts a server holding the catalog's instance types, zonal offerings and prices.
func NewServer() *Server {
	s := &Server{
		calls:           map[string]int{},
		vpcs:            map[string]bool{},
		subnets:         map[string]*Subnet{},
		securityGroups:  map[string]*SecurityGroup{},
		images:          map[string]*Image{},
		parameters:      map[string]string{},
		instanceTypes:   map[string]*InstanceType{},
		offerings:       map[string][]string{},
		onDemandPrices:  map[string]float64{},
		spotPrices:      map[string]map[string]float64{},
		instances:       map[string]*Instance{},
		launchTemplates: map[string]*LaunchTemplate{},
		roles:           map[string]*Role{},
		profiles:        map[string]*InstanceProfile{},
		queues:          map[string]*queue{},
	}
	s.seedCatalog()
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the endpoint to give the SDK clients as BaseEndpoint.
func (s *Server) URL() string { return s.http.URL }

// Close shuts the server down, ending pending long polls.
func (s *Server) Close() {
	s.mu.Lock()
	for _, q := range s.queues {
		q.wake()
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Config returns an SDK configuration for the server: region us-east-1, static credentials, the
// server as the endpoint of every service, and the standard retryer with a 50ms maximum backoff
// so throttling and 5xx tests recover quickly while still exercising the SDK's retry logic.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(s.URL()),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxBackoff = 50 * time.Millisecond
				o.MaxAttempts = 5
			})
		},
	}
}

// Calls returns how many requests of the action (an operation name such as "CreateFleet" or
// "ReceiveMessage") the server has received, including those it failed on purpose.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// ResetCalls zeroes every call counter.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}

// nextID returns a fresh resource ID such as "i-0000000000000001a" with the prefix; under mu.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%017x", prefix, s.seq)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "only POST is supported", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		s.serveJSON(w, r.Context(), target, body)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, "neither X-Amz-Target nor a query-protocol form", http.StatusBadRequest)
		return
	}
	s.serveQuery(w, body)
}

// count records a call and returns the fault, if any, to answer it with.
func (s *Server) count(action string) *injected {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[action]++
	return s.faults.take(action)
}

// requestID returns a fresh request ID.
func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", s.seq)
}
