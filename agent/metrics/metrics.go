// Package metrics declares the agent's Prometheus metrics, named like upstream Karpenter's where
// the meaning is the same, and registers them with controller-runtime's registry so they are
// served on the manager's /metrics endpoint.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Label names.
const (
	LabelNodePool     = "nodepool"
	LabelCapacityType = "capacity_type"
	LabelInstanceType = "instance_type"
	LabelZone         = "zone"
	LabelResourceType = "resource_type"
	LabelReason       = "reason"
)

// Buckets for durations from a second (a simulated launch) to twenty minutes (a slow boot).
var lifecycleBuckets = []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200}

var (
	// SchedulingDuration is the time one provisioning solve takes.
	SchedulingDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "karpenter_scheduler_scheduling_duration_seconds",
		Help:    "Duration of one scheduling simulation of the pending pods.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	})
	// PendingPods is the number of unschedulable pods in the last batch.
	PendingPods = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "karpenter_scheduler_queue_depth",
		Help: "Pods the kube-scheduler marked unschedulable, in the last provisioning batch.",
	})
	// UnschedulablePods is the number of pods no NodePool could take in the last batch.
	UnschedulablePods = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "karpenter_scheduler_unschedulable_pods_count",
		Help: "Pending pods that no existing node and no NodePool could take in the last batch.",
	})
	// NodeClaimsCreated counts NodeClaims created by reason (provisioning, replacement).
	NodeClaimsCreated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "karpenter_nodeclaims_created_total",
		Help: "NodeClaims created, by reason and NodePool.",
	}, []string{LabelReason, LabelNodePool})
	// NodeClaimsLaunched counts successful launches.
	NodeClaimsLaunched = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "karpenter_nodeclaims_launched_total",
		Help: "NodeClaims whose instance was launched.",
	}, []string{LabelNodePool, LabelCapacityType, LabelInstanceType, LabelZone})
	// NodeClaimsRegistered counts NodeClaims whose Node joined.
	NodeClaimsRegistered = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "karpenter_nodeclaims_registered_total",
		Help: "NodeClaims whose Node registered.",
	}, []string{LabelNodePool})
	// NodeClaimsInitialized counts NodeClaims whose Node became ready for pods.
	NodeClaimsInitialized = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "karpenter_nodeclaims_initialized_total",
		Help: "NodeClaims whose Node initialized.",
	}, []string{LabelNodePool})
	// NodeClaimsTerminated counts NodeClaims deleted, by reason.
	NodeClaimsTerminated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "karpenter_nodeclaims_terminated_total",
		Help: "NodeClaims whose instance was terminated, by reason.",
	}, []string{LabelReason, LabelNodePool})
	// LaunchDuration is the time from NodeClaim creation to Launched.
	LaunchDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "karpenter_nodeclaims_launch_duration_seconds",
		Help:    "Time from NodeClaim creation to the instance being launched.",
		Buckets: lifecycleBuckets,
	}, []string{LabelNodePool})
	// RegistrationDuration is the time from NodeClaim creation to Registered.
	RegistrationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "karpenter_nodeclaims_registration_duration_seconds",
		Help:    "Time from NodeClaim creation to its Node registering.",
		Buckets: lifecycleBuckets,
	}, []string{LabelNodePool})
	// InitializationDuration is the time from NodeClaim creation to Initialized.
	InitializationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "karpenter_nodeclaims_initialization_duration_seconds",
		Help:    "Time from NodeClaim creation to its Node being ready for pods.",
		Buckets: lifecycleBuckets,
	}, []string{LabelNodePool})
	// NodePoolUsage is the capacity of a NodePool's nodes, by resource.
	NodePoolUsage = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "karpenter_nodepools_usage",
		Help: "Capacity of the NodePool's nodes, by resource type (cpu in cores, memory in bytes, nodes).",
	}, []string{LabelNodePool, LabelResourceType})
	// NodePoolLimit is a NodePool's limit, by resource.
	NodePoolLimit = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "karpenter_nodepools_limit",
		Help: "Limit of the NodePool, by resource type.",
	}, []string{LabelNodePool, LabelResourceType})
	// NodePoolCost is the hourly price of a NodePool's nodes.
	NodePoolCost = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "karpenter_nodepools_cost_dollars_per_hour",
		Help: "Hourly on-demand or spot price of the NodePool's nodes, by capacity type, in USD.",
	}, []string{LabelNodePool, LabelCapacityType})
)

func init() {
	crmetrics.Registry.MustRegister(
		SchedulingDuration, PendingPods, UnschedulablePods,
		NodeClaimsCreated, NodeClaimsLaunched, NodeClaimsRegistered, NodeClaimsInitialized, NodeClaimsTerminated,
		LaunchDuration, RegistrationDuration, InitializationDuration,
		NodePoolUsage, NodePoolLimit, NodePoolCost,
	)
}
