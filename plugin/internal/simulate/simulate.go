package simulate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// Run simulates the agent over the cluster and reports on each target pod.
func Run(cl *Cluster, targets []*corev1.Pod) ([]Report, error) {
	in := BuildInput(cl, targets, NewInstanceTypes())
	res, err := scheduling.Solve(in.Input)
	if err != nil {
		return nil, fmt.Errorf("simulating the agent's scheduling: %w", err)
	}
	return Reports(cl, in, res, targets), nil
}
