// Package crds embeds the generated CustomResourceDefinitions of this directory, so that the
// plugin validates objects client-side by exactly the rules (OpenAPI schema and CEL) the API
// server applies. controller-gen regenerates the YAML files; this file only embeds them.
package crds

import _ "embed"

// The CRDs, as `make generate` writes them.
var (
	//go:embed karpenter.sh_nodepools.yaml
	NodePools []byte
	//go:embed karpenter.sh_nodeclaims.yaml
	NodeClaims []byte
	//go:embed karpenter.k8s.aws_ec2nodeclasses.yaml
	EC2NodeClasses []byte
	//go:embed karpenter.sh_karpenterscalingpolicies.yaml
	KarpenterScalingPolicies []byte
)
