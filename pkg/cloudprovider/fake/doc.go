// Package fake is an in-memory CloudProvider for controller tests. It launches the cheapest
// offering a NodeClaim's requirements allow, as the simulated and AWS providers do, keeps the
// instances in a map, and has knobs for what tests need to provoke: insufficient capacity for
// given offerings (marked unavailable for cloudprovider.UnavailableTTL, as real providers mark
// them), queued errors per method, drift, and a record of every call.
//
// Create is idempotent per NodeClaim name, like the simulated provider: a second Create for a
// NodeClaim that already has an instance returns that instance and launches nothing.
package fake
