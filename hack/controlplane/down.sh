#!/usr/bin/env bash
# Stops exactly the processes up.sh started (by recorded PID, after checking that the PID still
# runs the recorded binary), clients first and etcd last, then removes the cluster's data so that
# the next up.sh starts clean. The logs are kept for a post-mortem until the next up.sh.
# Harmless when nothing runs. Settings are described in lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

if [[ ! -d $CP_DIR ]]; then
  rm -f "$KUBECONFIG_OUT"
  log "nothing to stop in $STATE_DIR"
  exit 0
fi

# Waits for up.sh or another down.sh on the same state dir to finish first.
exec 9>"$CP_DIR/.lock"
flock 9

# Polls until the process no longer runs our binary (a zombie has no /proc/<pid>/exe, so an
# exited but unreaped process counts as gone).
wait_gone() { # component seconds
  local deadline=$((SECONDS + $2))
  while [[ -n $(live_pid "$1") ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

stop() { # component
  local component=$1 pid
  pid=$(live_pid "$component")
  if [[ -z $pid ]]; then
    [[ -f $(pid_file "$component") ]] && log "$component was not running"
    rm -f "$(pid_file "$component")"
    return 0
  fi
  log "stopping $component (pid $pid)"
  stopped=$((stopped + 1))
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$component" "$STOP_TIMEOUT"; then
    log "$component did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$component" 10 || die "$component (pid $pid) survived SIGKILL; data kept in $CP_DIR"
  fi
  rm -f "$(pid_file "$component")"
}

stopped=0
for component in "${COMPONENTS[@]}"; do
  stop "$component"
done

# Everything but the logs: etcd data, certificates, KWOK's work dir, serving certs, PID files.
find "$CP_DIR" -mindepth 1 -maxdepth 1 ! -name logs ! -name .lock -exec rm -rf {} +
rm -f "$KUBECONFIG_OUT"
if ((stopped > 0)); then
  log "control plane stopped; logs kept in $LOG_DIR"
else
  log "nothing was running in $STATE_DIR; data removed"
fi
