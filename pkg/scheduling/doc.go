// Package scheduling is the single source of truth for placement: given pending pods, the
// cluster's nodes and their pods, in-flight NodeClaims, DaemonSets, NodePools and their instance
// types, it decides where each pod goes (an existing node, a NodeClaim planned in this run, or
// nowhere) and explains every pod it could not place.
//
// It is a pure library: no API calls, no clocks and no goroutines. The agent acts on Solve's
// result and the plugin explains with the very same code, so what the plugin says is what the
// agent will do.
//
// Semantics follow kube-scheduler for what binds to an existing node and Karpenter v1 for what a
// new NodeClaim may hold. Where the two differ (preferences, affinity bootstrapping, hostname
// spread on nodes that do not exist yet) the choice is documented where it is made.
package scheduling
