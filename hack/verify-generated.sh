#!/usr/bin/env bash
# Fails when the committed deepcopy functions or CRDs differ from what the
# generators produce now. It regenerates in a scratch copy of the tree so that a developer's
# uncommitted work is never overwritten.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${CONTROLLER_GEN:?set CONTROLLER_GEN to the controller-gen binary (make verify does)}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cd "$root"
# Tracked and untracked-but-not-ignored files: exactly what the next commit would hold.
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch"
cd "$scratch"
"$CONTROLLER_GEN" object:headerFile=hack/boilerplate.go.txt paths=./pkg/apis/...
"$CONTROLLER_GEN" crd paths=./pkg/apis/... output:crd:artifacts:config=manifests/crds
# The embedded EC2 catalog has its own staleness test in pkg/cloudprovider/catalog, which
# regenerates from ../shared when it is present.

status=0
for path in pkg/apis manifests/crds; do
  if ! diff -r -q "$root/$path" "$scratch/$path" >/dev/null; then
    echo "generated files under $path are stale; run 'make generate' and commit the result:" >&2
    diff -r "$root/$path" "$scratch/$path" | head -40 >&2 || true
    status=1
  fi
done
exit $status
