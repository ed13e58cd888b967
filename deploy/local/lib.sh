# Shared by run.sh and stop.sh (sourced, not run). Paths, ports, and how to find and stop the
# processes of one local stack without ever touching a process that is not ours.

# bash 5 or newer: the scripts use $EPOCHREALTIME (5.0), wait -n (4.3) and empty arrays under set -u
# (4.4). macOS ships bash 3.2 as /bin/bash; this check is written so that bash 3.2 (or sh) runs it.
if [ -z "${BASH_VERSINFO:-}" ] || [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
  if [ -n "${BASH_VERSION:-}" ]; then shell="bash $BASH_VERSION"; else shell="not bash"; fi
  printf 'aibridge: deploy/local needs bash 5 or newer; this is %s.\n' "$shell" >&2
  printf 'aibridge: on macOS install a current one (brew install bash): the scripts start with\n' >&2
  printf 'aibridge: #!/usr/bin/env bash, so the first bash on the PATH runs them.\n' >&2
  exit 1
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AIBRIDGE_HOME=${AIBRIDGE_HOME:-$REPO/.aibridge}
mkdir -p "$AIBRIDGE_HOME"
AIBRIDGE_HOME=$(cd "$AIBRIDGE_HOME" && pwd)

RUN_DIR=$AIBRIDGE_HOME/run
LOG_DIR=$AIBRIDGE_HOME/logs
PGDATA_DIR=$AIBRIDGE_HOME/pgdata
KAFKA_DIR=$AIBRIDGE_HOME/kafka

PROXY_PORT=${AIBRIDGE_PROXY_PORT:-8080}
QUERY_PORT=${AIBRIDGE_QUERY_PORT:-8081}
RECORDER_PORT=${AIBRIDGE_RECORDER_PORT:-8082}
RETENTION_PORT=${AIBRIDGE_RETENTION_PORT:-8083}
KAFKA_PORT=${AIBRIDGE_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${AIBRIDGE_KAFKA_CONTROLLER_PORT:-9093}
PG_PORT=${AIBRIDGE_PG_PORT:-15432}
FAKE_PROVIDER_PORT=${AIBRIDGE_FAKE_PROVIDER_PORT:-9099}

SERVICES=(proxy-service query-service recorder-service retention-service)
# Stop order: the services first (they flush to Kafka and PostgreSQL), the infrastructure last.
COMPONENTS=("${SERVICES[@]}" fake-provider kafka postgres)

# The recording side: what runs behind Kafka and never on an agent's request path. On one host
# these yield the CPU to the proxy (rule 2: recording never slows the agent) and to query-service.
RECORDING_SIDE=(kafka postgres recorder-service retention-service)

# The niceness the recording side runs at (AIBRIDGE_BACKGROUND_NICE: 0 to 19, 10 by default; 0
# runs it like the rest). Prints it; fails on anything else.
background_nice() {
  local value=${AIBRIDGE_BACKGROUND_NICE:-10}
  [[ $value =~ ^[0-9]{1,2}$ ]] && ((10#$value <= 19)) || return 1
  echo $((10#$value))
}

# The niceness component $1 starts at: background_nice's for the recording side, 0 for the rest.
component_nice() {
  local name
  for name in "${RECORDING_SIDE[@]}"; do
    [[ $name == "$1" ]] && { background_nice; return; }
  done
  echo 0
}

# On SIGTERM the proxy serves on for AIBRIDGE_SHUTDOWN_DELAY (0 s), lets requests in flight finish
# for up to AIBRIDGE_SHUTDOWN_TIMEOUT, then drains its events to Kafka or its spool for up to 30 s
# (proxy.events.drain-timeout); query-service does the first two. The services' own wait for
# requests is 30 s; the local stack makes it 10 s, and gives the services all of it plus the drain
# and 5 s to spare before it kills them, so that Ctrl-C during a stream loses no event.
LOCAL_SHUTDOWN_TIMEOUT=10s
PROXY_DRAIN_SECONDS=30

# The services' settings that belong to this stack rather than to the shell it was started from.
# The proxy's spool (and its copy of the identity topic) defaults to .aibridge/spool relative to the
# working directory: two stacks started from one directory would share it, and the second proxy
# would refuse to start or replay the first one's events.
export_service_settings() {
  export AIBRIDGE_SPOOL_DIR=${AIBRIDGE_SPOOL_DIR:-$AIBRIDGE_HOME/spool}
  export AIBRIDGE_SHUTDOWN_TIMEOUT=${AIBRIDGE_SHUTDOWN_TIMEOUT:-$LOCAL_SHUTDOWN_TIMEOUT}
}

# A duration as the services read it (10, 10s, 500ms, 2m, 1h, 1d) in whole seconds, rounded up;
# fails on anything else.
duration_seconds() {
  local value=${1,,} n
  [[ $value =~ ^([0-9]{1,9})(ms|s|m|h|d)?$ ]] || return 1
  n=$((10#${BASH_REMATCH[1]}))
  case ${BASH_REMATCH[2]} in
    ms) echo $(((n + 999) / 1000)) ;;
    m) echo $((n * 60)) ;;
    h) echo $((n * 3600)) ;;
    d) echo $((n * 86400)) ;;
    *) echo "$n" ;;
  esac
}

# Seconds from SIGTERM to SIGKILL for services started with this shell's settings: the shutdown
# delay, the requests in flight, the proxy's drain and 5 s to spare. Fails on a setting it cannot read.
services_grace_for_settings() {
  local delay timeout
  delay=$(duration_seconds "${AIBRIDGE_SHUTDOWN_DELAY:-0s}") || return 1
  timeout=$(duration_seconds "${AIBRIDGE_SHUTDOWN_TIMEOUT:-$LOCAL_SHUTDOWN_TIMEOUT}") || return 1
  echo $((delay + timeout + PROXY_DRAIN_SECONDS + 5))
}

# The same for the services running now: what their run.sh recorded, since stop.sh may run in a
# shell with other settings (or none).
services_grace() {
  local grace=
  [[ -f $RUN_DIR/services.grace ]] && grace=$(<"$RUN_DIR/services.grace")
  [[ $grace =~ ^[0-9]+$ ]] || grace=$(services_grace_for_settings) || grace=$((30 + PROXY_DRAIN_SECONDS + 5))
  echo "$grace"
}

# How long stopping the whole stack may take: the services, then the fake provider (5 s), Kafka
# (20 s), PostgreSQL (20 s), a postmaster left behind (15 s), and 10 s for the kills after those.
stack_stop_limit() { echo $(($(services_grace) + 70)); }

TEST_SUPPORT_CLASSES=$REPO/test-support/target/classes
TEST_SUPPORT_CLASSPATH_FILE=$REPO/test-support/target/runtime.classpath
BUILD_STAMP=$AIBRIDGE_HOME/build.stamp

pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$REPO/pom.xml" | head -1; }

# The modules whose sources go into what the stack runs: every module of the root pom except those it
# never runs (a list of names kept here went stale once already: telemetry was missing).
source_modules() {
  local module
  while read -r module; do
    case $module in
      cli | deploy-tests | bench | system-tests) ;;
      *) printf '%s\n' "$module" ;;
    esac
  done < <(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' "$REPO/pom.xml")
}

# Whether the services or test-support need a build: something is missing, or a source file (or a
# pom) is newer than the last build's stamp.
build_is_stale() {
  local module entry entries=() sources=("$REPO/pom.xml")
  [[ -f $BUILD_STAMP && -f $TEST_SUPPORT_CLASSPATH_FILE ]] || return 0
  for module in "${SERVICES[@]}"; do
    [[ -f $REPO/$module/target/quarkus-app/quarkus-run.jar ]] || return 0
  done
  IFS=: read -r -a entries <"$TEST_SUPPORT_CLASSPATH_FILE" || true
  for entry in "${entries[@]}"; do [[ -e $entry ]] || return 0; done
  while read -r module; do sources+=("$REPO/$module/pom.xml" "$REPO/$module/src"); done < <(source_modules)
  [[ -n $(find "${sources[@]}" -newer "$BUILD_STAMP" -type f -print -quit 2>/dev/null) ]]
}

# Builds the services and test-support (log: logs/build.log). The stamp is taken when the build
# starts and replaces the last one only when the build succeeds: a file saved while Maven runs is
# newer than it, so the next start builds again.
build_modules() {
  local modules stamp=$BUILD_STAMP.new
  modules=$(IFS=,; echo "test-support,${SERVICES[*]}")
  touch "$stamp"
  # build-classpath writes each module's runtime classpath next to its jar; run.sh needs test-support's
  if (cd "$REPO" && ./mvnw -B -ntp package -Dmaven.test.skip=true -pl "$modules" -am \
      dependency:build-classpath -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime) \
      >"$LOG_DIR/build.log" 2>&1 9>&-; then
    mv -f "$stamp" "$BUILD_STAMP"
  else
    rm -f "$stamp"
    return 1
  fi
}

KAFKA_LIB=$REPO/deploy/kafka/lib

# Whether deploy/kafka/lib holds all the broker jars of Kafka $1: the fetch writes this marker last.
kafka_jars_ready() { [[ -f $KAFKA_LIB/fetched && $(<"$KAFKA_LIB/fetched") == "$1" ]]; }

# Fetches the broker jars of Kafka $1 (log: logs/kafka-fetch.log) into a directory of their own and
# puts it in place of deploy/kafka/lib only once they are all there, so an interrupted fetch never
# leaves a lib that looks complete.
fetch_kafka_jars() {
  local version=$1 partial=$KAFKA_LIB.partial.$$ dir
  for dir in "$KAFKA_LIB".partial.*; do
    # left by a fetch that was interrupted
    if [[ -d $dir ]] && ! alive "${dir##*.}"; then rm -rf "$dir"; fi
  done
  if ! (cd "$REPO" && ./mvnw -q -B -ntp -f deploy/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$partial" -Dkafka.version="$version" -Dlog4j.version="$(pom_property log4j.version)" \
      -Ddependency-plugin.version="$(pom_property dependency-plugin.version)") >"$LOG_DIR/kafka-fetch.log" 2>&1 9>&- ||
    [[ ! -f $partial/kafka_2.13-$version.jar ]]; then
    rm -rf "$partial"
    return 1
  fi
  printf '%s\n' "$version" >"$partial/fetched"
  rm -rf "$KAFKA_LIB"
  mv "$partial" "$KAFKA_LIB"
  # a start from another home that fetched at the same moment may have put its lib in place first
  rm -rf "$partial" "$KAFKA_LIB/${partial##*/}"
}

# Messages never fail: with the terminal closed (SIGHUP) every write fails with EIO, and under set -e
# a failed write would end the script, in the middle of stopping the stack too.
say() { printf '%s\n' "$*" 2>/dev/null || true; }
warn() { printf 'aibridge: %s\n' "$*" >&2 2>/dev/null || true; }
die() { warn "$*"; exit 1; }

service_port() {
  case $1 in
    proxy-service) echo "$PROXY_PORT" ;;
    query-service) echo "$QUERY_PORT" ;;
    recorder-service) echo "$RECORDER_PORT" ;;
    retention-service) echo "$RETENTION_PORT" ;;
  esac
}

# Whether something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp: no curl or nc needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The HTTP status of GET http://127.0.0.1:$1$2, or nothing when the port does not answer.
http_status() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    IFS=' ' read -r -t 3 _ status _ <&3 && printf '%s' "$status"
  ) 2>/dev/null
}

# Every JVM of the stack carries these two markers on its command line, so a pid file that
# outlived its process (and whose number was reused) never makes us signal a stranger.
component_marker() { printf -- '-Daibridge.component=%s' "$1"; }
home_marker() { printf -- '-Daibridge.home=%s' "$AIBRIDGE_HOME"; }

command_line() { ps -ww -p "$1" -o args= 2>/dev/null; }

is_ours() {
  local args
  args=$(command_line "$1") || return 1
  [[ $args == *"$(component_marker "$2")"* && $args == *"$(home_marker)"* ]]
}

# The pid of a running component of this stack, from its pid file.
component_pid() {
  local file=$RUN_DIR/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && is_ours "$pid" "$1" && printf '%s' "$pid"
}

# The postmaster can outlive its launcher JVM (it runs in its own session): find it by its pid
# file in our data directory, and only if its command line names that directory.
postmaster_pid() {
  local file=$PGDATA_DIR/postmaster.pid pid args
  [[ -f $file ]] || return 1
  read -r pid <"$file" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  args=$(command_line "$pid") || return 1
  [[ $args == *"$PGDATA_DIR"* ]] && printf '%s' "$pid"
}

# When process $1 started, as ps shows it: tells a process from a later one with the same pid.
process_started() { LC_ALL=C ps -p "$1" -o lstart= 2>/dev/null | tr -s ' ' | sed 's/^ //; s/ $//'; }

# What run.sh writes to run/stack.pid: its pid and when it started.
runner_record() { printf '%s %s\n' "$1" "$(process_started "$1")"; }

# The pid of a run.sh that is still in charge of this stack. stack.pid outlives a run.sh that was
# killed (kill -9, a closed terminal, a reboot), and its number can be reused by any process, even
# another run.sh: the process must also hold this home's run lock (run.sh takes it first and holds it
# to its end), or, where there is no flock, have started at the moment the file records.
runner_pid() {
  local file=$RUN_DIR/stack.pid pid= started= args
  [[ -f $file ]] || return 1
  read -r pid started <"$file" || [[ -n $pid ]] || return 1
  [[ $pid =~ ^[0-9]+$ && $pid != "$$" ]] || return 1
  args=$(command_line "$pid") || return 1
  [[ $args == *run.sh* ]] || return 1
  if command -v flock >/dev/null; then
    # taking the lock (and letting it go at once) succeeds only when no run.sh holds it
    if flock -n "$RUN_DIR/stack.lock" true 2>/dev/null; then return 1; fi
  else
    [[ -n $started && $(process_started "$pid") == "$started" ]] || return 1
  fi
  printf '%s' "$pid"
}

alive() { kill -0 "$1" 2>/dev/null; }

# Waits until none of the given pids is alive, for at most $1 seconds; returns 1 on time-out.
wait_gone() {
  local deadline=$((SECONDS + $1)) pid any
  shift
  while :; do
    any=
    for pid in "$@"; do alive "$pid" && any=1; done
    [[ -z $any ]] && return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

# Sends $2 to the pids, waits $1 seconds, then kills what is left.
terminate() {
  local grace=$1 signal=$2 pid
  shift 2
  (($# == 0)) && return 0
  for pid in "$@"; do kill "-$signal" "$pid" 2>/dev/null || true; done
  if ! wait_gone "$grace" "$@"; then
    for pid in "$@"; do
      if alive "$pid"; then
        warn "pid $pid did not stop within ${grace} s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    wait_gone 5 "$@" || true
  fi
}

# Stops every component of the stack that is still running, in order. Safe to call twice.
stop_components() {
  local pids=() name pid
  for name in "${SERVICES[@]}"; do
    pid=$(component_pid "$name") && pids+=("$pid")
  done
  terminate "$(services_grace)" TERM "${pids[@]}"
  pid=$(component_pid fake-provider) && terminate 5 TERM "$pid"
  # Kafka flushes and closes its logs on SIGTERM (about 2 s); a wedged broker may ignore it.
  pid=$(component_pid kafka) && terminate 20 TERM "$pid"
  # The launcher JVM runs a fast shutdown of PostgreSQL on SIGTERM.
  pid=$(component_pid postgres) && terminate 20 TERM "$pid"
  # A postmaster left behind by a launcher that was killed: SIGINT is PostgreSQL's fast shutdown.
  pid=$(postmaster_pid) && terminate 15 INT "$pid"
  for name in "${COMPONENTS[@]}"; do rm -f "$RUN_DIR/$name.pid"; done
  rm -f "$RUN_DIR/postgres.ready" "$RUN_DIR/services.grace"
}

elapsed() { # seconds since $1 (an $EPOCHREALTIME), one decimal
  local now=$EPOCHREALTIME
  local micros=$(( ${now//[.,]/} - ${1//[.,]/} ))
  printf '%d.%d' $((micros / 1000000)) $(((micros % 1000000) / 100000))
}

# run.sh's end, however it comes (Ctrl-C, SIGTERM, a closed terminal's SIGHUP, a failed start, its
# exit): once it has launched a component, the whole stack is stopped in order and stack.pid goes;
# then it exits with $1. It runs once: the EXIT trap that follows its exit does nothing. Nothing may
# cut the stop short, so set -e is off from here on and a closed pipe's SIGPIPE is ignored: a write
# to a terminal that is gone fails, and stopping goes on.
shutdown() {
  local code=${1:-0} t0=$EPOCHREALTIME
  [[ -n ${STOPPING:-} ]] && return
  STOPPING=1
  set +e
  trap '' INT TERM HUP PIPE
  if [[ -z ${LAUNCHED:-} ]]; then
    rm -f "$RUN_DIR/stack.pid" "$RUN_DIR/services.grace"
    exit "$code"
  fi
  say ""
  say "Stopping AI Bridge..."
  [[ -n ${FOLLOW_PID:-} ]] && kill "$FOLLOW_PID" 2>/dev/null
  stop_components
  rm -f "$RUN_DIR/stack.pid"
  say "Stopped in $(elapsed "$t0") s."
  exit "$code"
}

# run.sh stops the stack (shutdown) on Ctrl-C, on SIGTERM (stop.sh), on SIGHUP and when it ends.
stop_stack_on_exit() {
  trap 'shutdown 130' INT
  trap 'shutdown 143' TERM HUP
  trap 'shutdown $?' EXIT
}

# The components of this stack that are running right now, one name per line.
running_components() {
  local name
  for name in "${COMPONENTS[@]}"; do
    component_pid "$name" >/dev/null && printf '%s\n' "$name"
  done
  postmaster_pid >/dev/null && ! component_pid postgres >/dev/null && printf 'postmaster\n'
  return 0
}
