# Shared settings and helpers of up.sh and down.sh. Sourced, never executed.
#
# Every setting is overridable by the environment so that tests (and a second developer cluster)
# can run beside a developer's cluster without touching its files or ports:
#   CONTROLPLANE_STATE_DIR           state root (default: <repo>/.local); the admin kubeconfig is
#                                    $CONTROLPLANE_STATE_DIR/kubeconfig, everything else lives in
#                                    $CONTROLPLANE_STATE_DIR/controlplane/
#   CONTROLPLANE_APISERVER_PORT      kube-apiserver HTTPS           (default 26443)
#   CONTROLPLANE_ETCD_PORT           etcd client, plain HTTP        (default 22379)
#   CONTROLPLANE_ETCD_PEER_PORT      etcd peer, plain HTTP          (default 22380)
#   CONTROLPLANE_CONTROLLER_MANAGER_PORT  kube-controller-manager HTTPS (default 20257)
#   CONTROLPLANE_SCHEDULER_PORT      kube-scheduler HTTPS           (default 20259)
#   CONTROLPLANE_KWOK_PORT           KWOK healthz/metrics, HTTP     (default 20247)
#   CONTROLPLANE_READY_TIMEOUT       seconds up.sh waits for health (default 90)
#   CONTROLPLANE_STOP_TIMEOUT        seconds down.sh waits per process before SIGKILL (default 20)
# The defaults are the well-known ports (6443, 2379, 10257, 10259, 10247) shifted into the 2xxxx
# range, where kind, minikube, k3s and a host kubelet do not listen.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this

cp_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$cp_here/../.." && pwd)
# shellcheck source=SCRIPTDIR/versions.sh
source "$cp_here/versions.sh"

STATE_DIR=${CONTROLPLANE_STATE_DIR:-$repo_root/.local}
CP_DIR=$STATE_DIR/controlplane
PKI_DIR=$CP_DIR/pki
PID_DIR=$CP_DIR/pids
LOG_DIR=$CP_DIR/logs
KUBECONFIG_OUT=$STATE_DIR/kubeconfig

APISERVER_PORT=${CONTROLPLANE_APISERVER_PORT:-26443}
ETCD_PORT=${CONTROLPLANE_ETCD_PORT:-22379}
ETCD_PEER_PORT=${CONTROLPLANE_ETCD_PEER_PORT:-22380}
CONTROLLER_MANAGER_PORT=${CONTROLPLANE_CONTROLLER_MANAGER_PORT:-20257}
SCHEDULER_PORT=${CONTROLPLANE_SCHEDULER_PORT:-20259}
KWOK_PORT=${CONTROLPLANE_KWOK_PORT:-20247}
READY_TIMEOUT=${CONTROLPLANE_READY_TIMEOUT:-90}
STOP_TIMEOUT=${CONTROLPLANE_STOP_TIMEOUT:-20}

# Kept in step with pkg/test/controlplane (which starts the same components from Go).
SERVICE_CIDR=10.96.0.0/16
SERVICE_CLUSTER_IP=10.96.0.1
POD_CIDR=10.244.0.0/16

# Stop order: clients first, then the API server, then etcd (an API server whose etcd is gone
# hangs in graceful shutdown). up.sh starts them in the reverse order.
COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

log() { printf '[controlplane] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

binary_of() { # component -> path of its binary
  case $1 in
    etcd) echo "$ETCD_DIR/etcd" ;;
    kwok) echo "$KWOK_DIR/kwok" ;;
    *) echo "$K8S_DIR/$1" ;;
  esac
}

# The PID file holds "<pid> <binary>": the binary lets down.sh verify that the PID still belongs
# to the process we started (PIDs are reused) even after versions.sh moved to another version.
pid_file() { echo "$PID_DIR/$1.pid"; }

# Prints the recorded PID of a component if that process is alive and still runs the recorded
# binary; prints nothing otherwise.
live_pid() { # component
  local file pid exe actual
  file=$(pid_file "$1")
  [[ -r $file ]] || return 0
  read -r pid exe <"$file" || true
  [[ $pid =~ ^[0-9]+$ && -n $exe ]] || return 0
  actual=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
  # A binary replaced on disk (rebuilt cache) shows as "<path> (deleted)"; it is still ours.
  actual=${actual% (deleted)}
  [[ $actual == "$exe" ]] && echo "$pid"
  return 0
}
