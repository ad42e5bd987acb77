#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl and KWOK from the
# Go module proxy, once per version, into a cache outside the work tree. A component whose
# directory holds a .complete marker is never rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/versions.sh
source "$here/versions.sh"
export GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[controlplane] %s\n' "$*" >&2; }

build_kubernetes() {
  [[ -f $K8S_DIR/.complete ]] && return 0
  log "building kubernetes $K8S_VERSION (about 13 minutes cold on 2 cores)"
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  local gomod
  gomod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module controlplane.local/build"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local paths
    # that do not exist outside its repository; point each at its released version instead.
    echo "replace ("
    grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk -v v="$K8S_STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
    echo
    echo "tool ("
    for c in kube-apiserver kube-scheduler kube-controller-manager; do echo "	k8s.io/kubernetes/cmd/$c"; done
    echo "	k8s.io/kubectl/pkg/cmd"
    echo ")"
  } >"$work/go.mod"
  # kubectl's main lives in k8s.io/kubernetes/cmd/kubectl.
  sed -i 's#k8s.io/kubectl/pkg/cmd#k8s.io/kubernetes/cmd/kubectl#' "$work/go.mod"
  (cd "$work" && go mod tidy >/dev/null)
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  mkdir -p "$K8S_DIR.tmp"
  (cd "$work" && go build -trimpath -ldflags "$ld" -o "$K8S_DIR.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
  touch "$K8S_DIR.tmp/.complete"
  rm -rf "$K8S_DIR" && mv "$K8S_DIR.tmp" "$K8S_DIR"
  log "kubernetes $K8S_VERSION ready in $K8S_DIR"
}

# Builds one main package of a module in a throwaway module that requires it, because `go install
# pkg@version` refuses modules whose go.mod has replace directives (etcd and kwok both do).
build_tool() { # module version package output
  local work; work=$(mktemp -d)
  printf 'module controlplane.local/build\n\ngo 1.26\n\nrequire %s %s\n\ntool %s\n' "$1" "$2" "$3" >"$work/go.mod"
  (cd "$work" && go mod tidy >/dev/null && go build -trimpath -ldflags "-s -w" -o "$4" "$3")
  rm -rf "$work"
}

build_etcd() {
  [[ -f $ETCD_DIR/.complete ]] && return 0
  log "building etcd $ETCD_VERSION"
  mkdir -p "$ETCD_DIR.tmp"
  build_tool go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_DIR.tmp/etcd"
  touch "$ETCD_DIR.tmp/.complete"
  rm -rf "$ETCD_DIR" && mv "$ETCD_DIR.tmp" "$ETCD_DIR"
}

build_kwok() {
  [[ -f $KWOK_DIR/.complete ]] && return 0
  log "building kwok $KWOK_VERSION"
  mkdir -p "$KWOK_DIR.tmp/stages"
  build_tool sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "$KWOK_DIR.tmp/kwok"
  local dir
  dir=$(cd "$KWOK_DIR.tmp" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  # The stages that make nodes Ready, keep their leases fresh and run bound pods.
  cp "$dir/kustomize/stage/node/fast/node-initialize.yaml" \
     "$dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
     "$dir/kustomize/stage/pod/fast/"pod-*.yaml "$KWOK_DIR.tmp/stages/"
  chmod u+w "$KWOK_DIR.tmp/stages/"*
  touch "$KWOK_DIR.tmp/.complete"
  rm -rf "$KWOK_DIR" && mv "$KWOK_DIR.tmp" "$KWOK_DIR"
}

mkdir -p "$CACHE_ROOT"
case "${1:-all}" in
  etcd) build_etcd ;;
  kubernetes) build_kubernetes ;;
  kwok) build_kwok ;;
  all) build_etcd; build_kwok; build_kubernetes ;;
  *) echo "usage: $0 [all|etcd|kubernetes|kwok]" >&2; exit 2 ;;
esac
