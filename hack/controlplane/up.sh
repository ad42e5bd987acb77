#!/usr/bin/env bash
# Starts the local control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and KWOK (the kubelet of simulated nodes), with generated certificates and RBAC.
# Writes an admin kubeconfig to $CONTROLPLANE_STATE_DIR/kubeconfig (default .local/kubeconfig)
# and waits until everything is healthy.
#
# Idempotent: a component whose recorded process is alive is left alone, so running this while
# the cluster is up starts nothing; after a crash it starts only what is missing.
# Settings (ports, state dir, timeouts) are described in lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

started=$(date +%s.%N)

"$here/build.sh" all

mkdir -p "$CP_DIR" "$PID_DIR" "$LOG_DIR"
# Two concurrent up.sh (or up.sh racing down.sh) on one state dir would start two sets of
# processes; the lock makes them take turns.
exec 9>"$CP_DIR/.lock"
flock 9

# Prints the last lines of every log so that a failure explains itself.
show_logs() {
  local c
  for c in "${COMPONENTS[@]}"; do
    [[ -s $LOG_DIR/$c.log ]] || continue
    log "---- last lines of $LOG_DIR/$c.log"
    tail -n 15 "$LOG_DIR/$c.log" >&2
  done
  log "logs: $LOG_DIR (run $here/down.sh to clean up)"
}

# Polls a command until it succeeds, failing early if the component's process has exited.
# Each probe is bounded (curl --max-time) so that a request stuck in a starting server does not
# hold the loop past the moment the server becomes ready.
wait_for() { # component description command...
  local component=$1 what=$2; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [[ -z $(live_pid "$component") ]]; then
      show_logs
      die "$component exited while waiting for $what"
    fi
    if ((SECONDS >= deadline)); then
      show_logs
      die "timed out after ${READY_TIMEOUT}s waiting for $what"
    fi
    sleep 0.2
  done
}

# Starts a component unless its recorded process is alive. setsid puts it in its own session, so
# a Ctrl-C or a closed terminal aimed at make does not take the cluster down with it.
start() { # component args...
  local component=$1; shift
  local bin pid deadline exe
  # Resolved, because /proc/<pid>/exe is: live_pid compares the two.
  bin=$(readlink -f "$(binary_of "$component")")
  pid=$(live_pid "$component")
  if [[ -n $pid ]]; then
    log "$component already running (pid $pid)"
    return 0
  fi
  log "starting $component"
  # Without job control the background child is not a process-group leader, so setsid calls
  # setsid(2) and execs in place: $! is the component's own PID. 9>&- keeps the lock out of the
  # daemon, or the next up.sh would wait for it forever.
  setsid "$bin" "$@" >"$LOG_DIR/$component.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid $bin" >"$(pid_file "$component")"
  # Until the exec has happened /proc/<pid>/exe is still setsid, and the process would look dead
  # to wait_for. A process that already exited (or is a zombie) has no exe: stop waiting then.
  deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || break
    [[ ${exe% (deleted)} == "$bin" ]] && break
    sleep 0.05
  done
}

url=https://127.0.0.1:$APISERVER_PORT
pki() { echo "$PKI_DIR/$1"; }

# The certificates live as long as the etcd data: down.sh removes both, so they always match.
# Their kubeconfigs name the API server's port, so a state dir set up with other ports cannot be
# reused in place.
if [[ -s $PKI_DIR/admin.kubeconfig ]] && ! grep -qF "server: $url" "$PKI_DIR/admin.kubeconfig"; then
  die "$STATE_DIR holds a cluster set up with other ports than $url; run $here/down.sh first"
fi
if [[ ! -s $PKI_DIR/admin.kubeconfig ]]; then
  log "generating certificates in $PKI_DIR"
  (cd "$repo_root" && go run ./hack/controlplane/certs -dir "$PKI_DIR" -server "$url" \
    -service-cluster-ip "$SERVICE_CLUSTER_IP")
fi
install -m 0600 "$PKI_DIR/admin.kubeconfig" "$KUBECONFIG_OUT"

etcd_url=http://127.0.0.1:$ETCD_PORT
etcd_peer=http://127.0.0.1:$ETCD_PEER_PORT
# Plain HTTP on loopback: etcd is reachable only from this machine, and the API server is the
# only client. --unsafe-no-fsync because the data is thrown away by down.sh anyway.
start etcd --name=controlplane --data-dir="$CP_DIR/etcd" \
  --listen-client-urls="$etcd_url" --advertise-client-urls="$etcd_url" \
  --listen-peer-urls="$etcd_peer" --initial-advertise-peer-urls="$etcd_peer" \
  --initial-cluster="controlplane=$etcd_peer" --unsafe-no-fsync --log-level=warn
wait_for etcd "etcd $etcd_url/health" curl -fsS --max-time 2 "$etcd_url/health"

# --endpoint-reconciler-type=none: with a loopback advertise address the default reconciler
# refuses to start. The requestheader/proxy-client flags fill the extension-apiserver-
# authentication ConfigMap that the scheduler and controller-manager read; without them they log
# CA-bundle errors in a loop.
start kube-apiserver \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --endpoint-reconciler-type=none \
  --etcd-servers="$etcd_url" \
  --tls-cert-file="$(pki apiserver.crt)" --tls-private-key-file="$(pki apiserver.key)" \
  --client-ca-file="$(pki ca.crt)" \
  --authorization-mode=Node,RBAC \
  --allow-privileged=true \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$(pki sa.pub)" \
  --service-account-signing-key-file="$(pki sa.key)" \
  --requestheader-client-ca-file="$(pki front-proxy-ca.crt)" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$(pki front-proxy-client.crt)" \
  --proxy-client-key-file="$(pki front-proxy-client.key)"
wait_for kube-apiserver "kube-apiserver $url/readyz" curl -fsS --max-time 2 --cacert "$(pki ca.crt)" "$url/readyz"

# Leader election is off: up.sh guarantees a single instance, and it saves the lease traffic and
# the start-up wait. --controllers='*' has no cloud controllers to exclude: they moved to
# cloud-controller-manager, and kube-controller-manager 1.37 rejects their names. The token
# controller needs the signing key; the root CA goes into each namespace's kube-root-ca.crt.
cm_kubeconfig=$(pki controller-manager.kubeconfig)
start kube-controller-manager \
  --kubeconfig="$cm_kubeconfig" \
  --authentication-kubeconfig="$cm_kubeconfig" --authorization-kubeconfig="$cm_kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" \
  --cert-dir="$CP_DIR/controller-manager" \
  --leader-elect=false \
  --controllers='*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$(pki sa.key)" \
  --root-ca-file="$(pki ca.crt)"

sched_kubeconfig=$(pki scheduler.kubeconfig)
start kube-scheduler \
  --kubeconfig="$sched_kubeconfig" \
  --authentication-kubeconfig="$sched_kubeconfig" --authorization-kubeconfig="$sched_kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
  --cert-dir="$CP_DIR/scheduler" \
  --leader-elect=false

# KWOK acts as the kubelet of the nodes annotated kwok.x-k8s.io/node=fake only, so that real or
# agent-managed nodes without the annotation are never touched. KWOK_WORKDIR keeps a developer's
# ~/.kwok/kwok.yaml out of this cluster.
kwok_args=(--kubeconfig="$(pki kwok.kubeconfig)"
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake
  --server-address="127.0.0.1:$KWOK_PORT" --cidr="$POD_CIDR")
for stage in "$KWOK_DIR"/stages/*.yaml; do kwok_args+=(--config="$stage"); done
KWOK_WORKDIR=$CP_DIR/kwok start kwok "${kwok_args[@]}"

wait_for kube-controller-manager "kube-controller-manager healthz" \
  curl -fsSk --max-time 2 "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
wait_for kube-scheduler "kube-scheduler healthz" curl -fsSk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"
wait_for kwok "kwok healthz" curl -fsS --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz"
# Pods are rejected until the controller-manager has created the default ServiceAccount, so the
# cluster is not usable before it exists.
wait_for kube-controller-manager "the default ServiceAccount" \
  "$K8S_DIR/kubectl" --kubeconfig="$KUBECONFIG_OUT" --request-timeout=2s get serviceaccount default --namespace=default

elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
log "control plane healthy at $url after ${elapsed}s"
log "  export KUBECONFIG=$KUBECONFIG_OUT   (kubectl: $K8S_DIR/kubectl)"
log "  logs: $LOG_DIR   stop: $here/down.sh"
