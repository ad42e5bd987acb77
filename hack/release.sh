#!/usr/bin/env bash
# Builds the kubectl-karpenter release archives for krew and writes their sha256 into krew.yaml.
#
#   hack/release.sh [VERSION]
#
# VERSION (vX.Y.Z) is stamped into the binaries and, with it, krew.yaml's version and download
# URLs are rewritten; without it the binaries say `git describe` and krew.yaml keeps its version.
# Each archive, dist/kubectl-karpenter_<os>_<arch>.tar.gz, holds the binary and LICENSE;
# dist/sha256sums.txt lists them all.
#
# Environment: PLATFORMS (default: linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
# windows/amd64), DIST (default: dist), KREW_MANIFEST (default: krew.yaml).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
module=github.com/karpenter-tools/kubectl-karpenter
release=${1:-}
if [[ -n $release && ! $release =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "VERSION must look like v1.2.3, got $release" >&2
  exit 2
fi
version=${release:-$(git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
platforms=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
dist=${DIST:-$root/dist}
manifest=${KREW_MANIFEST:-$root/krew.yaml}

# Reproducible archives where GNU tar allows it: fixed owner, order and times.
tar_flags=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar_flags=(--owner=0 --group=0 --numeric-owner --sort=name --mtime=@0)
fi

mkdir -p "$dist"
sums="$dist/sha256sums.txt"
: >"$sums"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for platform in $platforms; do
  os=${platform%/*}
  arch=${platform#*/}
  bin=kubectl-karpenter
  [[ $os == windows ]] && bin+=.exe
  dir="$stage/${os}_${arch}"
  mkdir -p "$dir"
  echo "building $os/$arch" >&2
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=$version -X $module/pkg/version.Commit=$commit" \
    -o "$dir/$bin" ./cmd/kubectl-karpenter
  cp LICENSE "$dir/"
  archive="kubectl-karpenter_${os}_${arch}.tar.gz"
  tar "${tar_flags[@]}" -C "$dir" -czf "$dist/$archive" "$bin" LICENSE
  (cd "$dist" && sha256sum "$archive") >>"$sums"
done

# Rewrite the sha256 that follows each platform's uri, and the version when one was given.
tmp=$(mktemp)
awk -v sums="$sums" -v release="$release" '
  BEGIN { while ((getline line < sums) > 0) { split(line, f, /  /); sha[f[2]] = f[1] } }
  /^[[:space:]]*uri:/ {
    if (release != "") { sub(/\/releases\/download\/[^/]+\//, "/releases/download/" release "/") }
    n = split($0, parts, "/"); current = parts[n]
  }
  /^[[:space:]]*sha256:/ && (current in sha) { sub(/sha256:.*/, "sha256: \"" sha[current] "\""); current = "" }
  /^  version:/ && release != "" { sub(/version:.*/, "version: " release) }
  { print }
' "$manifest" >"$tmp"
cat "$tmp" >"$manifest"
rm -f "$tmp"
echo "wrote $(wc -l <"$sums") archives to $dist and their sha256 to $manifest" >&2
