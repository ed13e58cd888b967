#!/usr/bin/env bash
# Stops a local AI Bridge stack: asks its run.sh to stop when it is still running, otherwise stops
# what a killed terminal left behind (services, fake provider, Kafka, PostgreSQL). Only processes
# that carry this stack's markers (or the postmaster of its data directory) are signalled.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

asked=
if pid=$(runner_pid); then
  say "Asking run.sh (pid $pid) to stop the stack..."
  kill -TERM "$pid"
  limit=$(stack_stop_limit)
  wait_gone "$limit" "$pid" || die "run.sh (pid $pid) is still stopping after $limit s"
  asked=1
fi
left=$(running_components)
if [[ -z $left ]]; then
  rm -f "$RUN_DIR/stack.pid"
  if [[ -n $asked ]]; then say "Stopped."; else say "AI Bridge is not running (home: $AIBRIDGE_HOME)."; fi
  exit 0
fi
say "Stopping: $(echo $left)"
stop_components
rm -f "$RUN_DIR/stack.pid"
say "Stopped."
