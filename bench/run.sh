#!/usr/bin/env bash
# The AI Bridge benchmarks in one command: builds what they need, starts a local stack of their own
# (deploy/local/run.sh --demo with its own home and ports, so it never meets a developer's stack),
# runs the benchmarks, prints a Markdown table for each, writes them as JSON under bench/results/,
# and stops the stack. Options after the script's own are the harness's: bench/run.sh --help.
#
#   bench/run.sh                     # everything at the default sizes (about 15 minutes on 2 cores)
#   bench/run.sh --full              # the issue's sizes: 1,000,000 interceptions (about 40 minutes)
#   bench/run.sh --quick             # every benchmark at a small size (about 8 minutes): does the harness work?
#   bench/run.sh --only proxy,throughput --rates 500 --modes blocking
#   bench/run.sh --only proxy --modes streaming --alternations 3   # 3 direct/proxied pairs per rate, pooled
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BUILD=1
ARGS=()
for arg in "$@"; do
  case $arg in
    --no-build) BUILD= ;;
    *) ARGS+=("$arg") ;;
  esac
done

PORT_BASE=${BENCH_PORT_BASE:-18180}
STACK_HOME=${BENCH_STACK_HOME:-$REPO/bench/target/stack}
RESULTS=$REPO/bench/results
LOGS=$RESULTS/logs
mkdir -p "$LOGS"
CLASSPATH_FILE=$REPO/bench/target/runtime.classpath

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
command -v java >/dev/null || die "java is not on the PATH; install a JDK 17 or newer"
command -v jcmd >/dev/null || say "jcmd is not on the PATH: the profiled runs will fail (use --no-profile, or a full JDK)"

for help in "${ARGS[@]}"; do
  if [[ $help == -h || $help == --help ]]; then
    [[ -f $CLASSPATH_FILE ]] || die "build first: ./mvnw -B -pl bench -am package -DskipTests (or run bench/run.sh once)"
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    printf '\n  --no-build   do not run Maven; use what is built\n\n'
    exec java -cp "$REPO/bench/target/classes:$(<"$CLASSPATH_FILE")" io.aibridge.bench.BenchMain --help
  fi
done

if [[ -n $BUILD ]]; then
  say "building the services, test-support and the benchmarks (log: ${LOGS#$REPO/}/build.log)"
  # build-classpath writes each module's runtime class path next to its jar: run.sh needs
  # test-support's (fake provider, embedded PostgreSQL), this script needs the harness's
  (cd "$REPO" && ./mvnw -B -ntp -pl bench -am package -Dmaven.test.skip=true \
      dependency:build-classpath -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime) \
      >"$LOGS/build.log" 2>&1 || { tail -30 "$LOGS/build.log" >&2; die "the build failed; see $LOGS/build.log"; }
fi
[[ -f $CLASSPATH_FILE ]] || die "bench is not built; run without --no-build"

# The stack sees only what we give it: never a developer's database, broker or provider settings.
unset AIBRIDGE_DB_URL AIBRIDGE_DB_USER AIBRIDGE_DB_PASSWORD KAFKA_BOOTSTRAP_SERVERS \
      AIBRIDGE_OPENAI_BASE_URL AIBRIDGE_ANTHROPIC_BASE_URL AIBRIDGE_OPENAI_KEY AIBRIDGE_ANTHROPIC_KEY
export AIBRIDGE_HOME=$STACK_HOME
export AIBRIDGE_PROXY_PORT=$PORT_BASE AIBRIDGE_QUERY_PORT=$((PORT_BASE + 1)) AIBRIDGE_RECORDER_PORT=$((PORT_BASE + 2))
export AIBRIDGE_RETENTION_PORT=$((PORT_BASE + 3)) AIBRIDGE_FAKE_PROVIDER_PORT=$((PORT_BASE + 4))
export AIBRIDGE_KAFKA_PORT=$((PORT_BASE + 5)) AIBRIDGE_KAFKA_CONTROLLER_PORT=$((PORT_BASE + 6)) AIBRIDGE_PG_PORT=$((PORT_BASE + 7))
# the stack's own retention-service keeps everything: the purge benchmark runs one of its own
export AIBRIDGE_RETENTION=0
export AIBRIDGE_READY_TIMEOUT=${AIBRIDGE_READY_TIMEOUT:-240}

# A fresh stack every time (the data sets are relative to now); first stop one a killed run left behind.
"$REPO/deploy/local/stop.sh" >/dev/null 2>&1 || true
rm -rf "$STACK_HOME"
say "starting the stack in ${STACK_HOME#$REPO/} (ports $PORT_BASE-$((PORT_BASE + 8)); log: ${LOGS#$REPO/}/stack.log)"
: >"$LOGS/stack.log" # before the background start: the wait below must not read the previous run's log
"$REPO/deploy/local/run.sh" --demo --no-build >>"$LOGS/stack.log" 2>&1 &
STACK_PID=$!
stop_stack() {
  if kill -0 "$STACK_PID" 2>/dev/null; then
    say "stopping the stack"
    kill -TERM "$STACK_PID" 2>/dev/null || true
    wait "$STACK_PID" 2>/dev/null || true
  fi
}
trap stop_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

until grep -q "AI Bridge is ready" "$LOGS/stack.log" 2>/dev/null; do
  if ! kill -0 "$STACK_PID" 2>/dev/null; then
    tail -30 "$LOGS/stack.log" >&2
    die "the stack did not start; see $LOGS/stack.log and $STACK_HOME/logs/"
  fi
  sleep 1
done
say "stack ready; $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null | sed 's/^/load average /')"

java -Xms1g -Xmx1g -cp "$REPO/bench/target/classes:$(<"$CLASSPATH_FILE")" io.aibridge.bench.BenchMain \
  --repo "$REPO" --home "$STACK_HOME" --port-base "$PORT_BASE" "${ARGS[@]}"
