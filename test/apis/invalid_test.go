package apis

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// invalidCase is one object the API server must reject, naming the field.
type invalidCase struct {
	name string
	// base is a manifest under testdata/valid that the API server accepts as it is.
	base string
	// patch is a JSON merge patch, written as YAML, that makes the base invalid on creation.
	patch string
	// update, when set, is a merge patch applied to the stored object (created from base and
	// patch): the update must be rejected. For immutable fields and transition rules.
	update string
	want   fieldError
}

var nonDNS = regexp.MustCompile(`[^a-z0-9]+`)

// objectName turns a case name into a unique, valid object name.
func objectName(prefix, caseName string) string {
	n := strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(caseName), "-"), "-")
	n = prefix + "-" + n
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

// runInvalid runs the cases in parallel. Creations are dry runs, so that a case the server
// wrongly accepts leaves nothing behind to confuse another.
func runInvalid(t *testing.T, cases []invalidCase) {
	s := requireEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			_, base := readManifest(t, filepath.Join("valid", tc.base))
			obj := base
			if tc.patch != "" {
				obj = mergePatch(t, base, tc.patch)
			}
			gvr := resourceFor(t, obj)
			if tc.update == "" {
				obj.SetName(objectName("invalid", tc.name))
				_, err := s.resource(gvr).Create(ctx, obj, metav1.CreateOptions{
					DryRun:          []string{metav1.DryRunAll},
					FieldValidation: metav1.FieldValidationStrict,
				})
				requireRejected(t, err, tc.want)
				return
			}
			obj.SetName(objectName("update", tc.name))
			created := s.createObject(t, obj)
			changed := mergePatch(t, created, tc.update)
			_, err := s.resource(gvr).Update(ctx, changed, metav1.UpdateOptions{
				DryRun:          []string{metav1.DryRunAll},
				FieldValidation: metav1.FieldValidationStrict,
			})
			requireRejected(t, err, tc.want)
		})
	}
}

// allInvalidCases are every table of invalid objects in the package.
func allInvalidCases() map[string][]invalidCase {
	return map[string][]invalidCase{
		"NodePool":                invalidNodePools,
		"NodeClaim":               invalidNodeClaims,
		"EC2NodeClass":            invalidEC2NodeClasses,
		"EC2NodeClass new fields": invalidEC2NodeClassNewFields,
		"KarpenterScalingPolicy":  invalidScalingPolicies,
	}
}

// The tables hold enough distinct cases, and no two cases are the same object.
func TestInvalidCasesAreDistinct(t *testing.T) {
	names, objects := map[string]bool{}, map[string]string{}
	total := 0
	for kind, cases := range allInvalidCases() {
		if len(cases) == 0 {
			t.Errorf("no invalid %s cases", kind)
		}
		for _, tc := range cases {
			total++
			if names[tc.name] {
				t.Errorf("two cases named %q", tc.name)
			}
			names[tc.name] = true
			key := fmt.Sprintf("%s|%s|%s", tc.base, tc.patch, tc.update)
			if other, ok := objects[key]; ok {
				t.Errorf("cases %q and %q are the same object", other, tc.name)
			}
			objects[key] = tc.name
			if tc.want.field == "" || tc.want.message == "" {
				t.Errorf("case %q must name the field and the message it expects", tc.name)
			}
		}
	}
	if total < 30 {
		t.Errorf("%d invalid cases, want at least 30", total)
	}
}
