#!/usr/bin/env bash
# Builds krew and validate-krew-manifest from this directory's module, once per krew version,
# into ~/.cache/kubectl-karpenter/krew-<version>/, and prints that directory. A directory with a
# .complete marker is never rebuilt. The plugin's krew test (plugin/krew_install_test.go) and
# `make krew-tools` call it; the project's own go.mod never sees krew's dependencies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(awk '$1 == "sigs.k8s.io/krew" { print $2 }' "$here/go.mod")
if [[ -z $version ]]; then
  echo "no sigs.k8s.io/krew requirement in $here/go.mod" >&2
  exit 1
fi
cache=${KARPENTER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-karpenter}
dir=$cache/krew-$version
if [[ ! -f $dir/.complete ]]; then
  echo "[krew-tools] building krew $version into $dir" >&2
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  # -mod=mod lets a fresh checkout fill go.sum's gaps from the proxy instead of failing.
  (cd "$here" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir.tmp/" \
    sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest)
  touch "$dir.tmp/.complete"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
