package e2e

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func resourceMust(s string) resource.Quantity { return resource.MustParse(s) }
