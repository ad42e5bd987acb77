# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Pinned versions of the local control plane. Sourced by the other scripts.
# etcd is the version k8s.io/kubernetes v1.37.2 pins in its go.mod.
K8S_VERSION=${K8S_VERSION:-v1.37.2}
K8S_STAGING_VERSION=${K8S_STAGING_VERSION:-v0.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.7.0}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
CACHE_ROOT=${KARPENTER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-karpenter}
K8S_DIR=$CACHE_ROOT/kubernetes-$K8S_VERSION
ETCD_DIR=$CACHE_ROOT/etcd-$ETCD_VERSION
KWOK_DIR=$CACHE_ROOT/kwok-$KWOK_VERSION
