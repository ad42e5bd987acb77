// Package tui is `kubectl karpenter tui`: a terminal UI over NodePools, NodeClaims, their nodes
// and pods, pending pods and the agent's decisions, fed by informers.
//
// The shape follows soft-serve and glow: a Store filled by informer handlers on their own
// goroutines, which coalesces changes into one Snapshot per quiet period; a small root Model that
// routes messages; and one component per screen, each with Init/Update/View, SetSize and its own
// key map. Screens never read the API: they render the Snapshot they were last given, so a frame
// costs the visible rows only.
package tui
