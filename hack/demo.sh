#!/usr/bin/env bash
# The demo: on the local control plane (make cluster-up), install the CRDs, a node class and two
# NodePools, run the agent with the simulated EC2, apply a workload, and watch nodes appear.
#   hack/demo.sh        run it (make demo builds and starts the control plane first)
#   hack/demo.sh down   stop the agent (make demo-down also stops the control plane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/controlplane/lib.sh
source "$here/controlplane/lib.sh"

AGENT_PID=$STATE_DIR/agent.pid
AGENT_LOG=$STATE_DIR/agent.log
DEMO_TIMEOUT=${DEMO_TIMEOUT:-300}
export KUBECONFIG=$KUBECONFIG_OUT
kubectl=("$K8S_DIR/kubectl")
plugin=("$repo_root/bin/kubectl-karpenter")

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

agent_pid() {
  [[ -r $AGENT_PID ]] || return 0
  local pid; pid=$(<"$AGENT_PID")
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$repo_root/bin/karpenter-agent"* ]] && echo "$pid"
  return 0
}

stop_agent() {
  local pid; pid=$(agent_pid)
  [[ -n $pid ]] || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$AGENT_PID"
  echo "agent stopped"
}

if [[ ${1:-} == down ]]; then
  stop_agent
  exit 0
fi

[[ -r $KUBECONFIG ]] || die "no cluster: run 'make cluster-up' (or 'make demo', which does)"
[[ -x ${plugin[0]} && -x $repo_root/bin/karpenter-agent ]] || die "binaries missing: run 'make build'"

say "Installing the CRDs, a node class and two NodePools (default: spot+on-demand, amd64+arm64, c/m/r; gpu: tainted)"
"${kubectl[@]}" apply --server-side -k "$repo_root/manifests/crds/" >/dev/null
"${kubectl[@]}" wait --for condition=Established --timeout=60s crd --all >/dev/null
"${kubectl[@]}" create namespace karpenter --dry-run=client -o yaml | "${kubectl[@]}" apply -f - >/dev/null
"${kubectl[@]}" create namespace karpenter-simulated --dry-run=client -o yaml | "${kubectl[@]}" apply -f - >/dev/null
"${kubectl[@]}" apply -f "$repo_root/manifests/examples/demo/nodeclass.yaml" -f "$repo_root/manifests/examples/demo/nodepools.yaml"

say "Starting the agent with the simulated EC2 provider (log: $AGENT_LOG)"
if [[ -z $(agent_pid) ]]; then
  setsid "$repo_root/bin/karpenter-agent" --kubeconfig "$KUBECONFIG" --cloud-provider simulated \
    --cluster-name local --leader-election-namespace karpenter \
    --metrics-bind-address 127.0.0.1:18080 --health-probe-bind-address 127.0.0.1:18081 \
    >"$AGENT_LOG" 2>&1 </dev/null &
  echo $! >"$AGENT_PID"
fi
deadline=$((SECONDS + 60))
until curl -fsS http://127.0.0.1:18081/readyz >/dev/null 2>&1; do
  if [[ -z $(agent_pid) ]]; then tail -n 30 "$AGENT_LOG" >&2; die "the agent exited"; fi
  ((SECONDS < deadline)) || { tail -n 30 "$AGENT_LOG" >&2; die "the agent did not become ready"; }
  sleep 0.2
done
echo "agent ready (metrics: http://127.0.0.1:18080/metrics)"

say "Applying the workload: web (6 pods), zonal (3 pods spread across zones), a spot batch Job, a GPU Job, and one pod that fits nowhere"
"${kubectl[@]}" apply -f "$repo_root/manifests/examples/demo/workload.yaml"

say "Waiting for every schedulable pod to run (or complete); nodes appear as the agent launches them"
deadline=$((SECONDS + DEMO_TIMEOUT))
while :; do
  # Pods other than too-big that are neither Running nor Succeeded.
  waiting=$("${kubectl[@]}" get pods -n default --no-headers \
    -o custom-columns=NAME:.metadata.name,PHASE:.status.phase 2>/dev/null |
    awk '$1 != "too-big" && $2 != "Running" && $2 != "Succeeded"' | wc -l)
  nodes=$("${kubectl[@]}" get nodes --no-headers 2>/dev/null | wc -l)
  printf '\r  %2d pod(s) still pending, %2d node(s)   ' "$waiting" "$nodes"
  ((waiting == 0)) && break
  if ((SECONDS >= deadline)); then
    echo
    "${kubectl[@]}" get pods -n default -o wide
    tail -n 30 "$AGENT_LOG" >&2
    die "pods still pending after ${DEMO_TIMEOUT}s"
  fi
  sleep 1
done
echo

say "Nodes"
"${kubectl[@]}" get nodes -L node.kubernetes.io/instance-type,karpenter.sh/capacity-type,topology.kubernetes.io/zone,karpenter.sh/nodepool
say "NodeClaims"
"${kubectl[@]}" get nodeclaims -o wide
say "NodePools"
"${kubectl[@]}" get nodepools -o wide
say "Decisions (Events written by the agent)"
"${kubectl[@]}" get events -A --field-selector source=karpenter --sort-by=.lastTimestamp \
  -o custom-columns=OBJECT:.involvedObject.kind,NAME:.involvedObject.name,REASON:.reason,MESSAGE:.message | tail -n 25
say "The plugin: kubectl karpenter top nodepools"
"${plugin[@]}" top nodepools
say "The plugin: kubectl karpenter top nodes"
"${plugin[@]}" top nodes
say "The plugin: kubectl karpenter why-pending too-big"
# Exits 1 because the pod will not be scheduled: that is the point of the example.
"${plugin[@]}" why-pending too-big -n default || true

cat <<TXT

The cluster keeps running. Explore it:
  export KUBECONFIG=$KUBECONFIG PATH=$repo_root/bin:\$PATH   # kubectl finds the plugin on PATH
  $K8S_DIR/kubectl karpenter top nodes
  $K8S_DIR/kubectl karpenter get nodeclaims -o wide
  $K8S_DIR/kubectl karpenter describe nodepool default
  $K8S_DIR/kubectl karpenter why-pending -A
  $K8S_DIR/kubectl karpenter tui                       # live browser: ? for keys, q to quit
  $K8S_DIR/kubectl scale deployment web --replicas 0   # empty nodes go after consolidateAfter (30s)
  tail -f $AGENT_LOG
Stop it with:
  make demo-down
TXT
