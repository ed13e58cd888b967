#!/usr/bin/env bash
# The whole AI Bridge system on this machine, in the foreground: a Kafka broker (KRaft), PostgreSQL
# (embedded, or yours), the four services and, with --demo, a fake OpenAI/Anthropic upstream.
# Ctrl-C stops everything. Data lives in .aibridge/ and is reused by the next start.
# Needs bash 5 and a JDK 17; Maven is fetched by ./mvnw. Run with --help for the options.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
Usage: deploy/local/run.sh [options]

Starts Kafka, PostgreSQL and the four AI Bridge services in the foreground; Ctrl-C stops them all.

  --demo               use the fake provider (test-support) as the OpenAI and Anthropic upstream,
                       so the stack works without provider keys; it also plays AWS Bedrock behind
                       a claude-aws provider instance
  --db-url JDBC_URL    use this PostgreSQL instead of the embedded one (or set AIBRIDGE_DB_URL);
                       credentials from --db-user/--db-password or AIBRIDGE_DB_USER/AIBRIDGE_DB_PASSWORD
  --kafka HOST:PORT    use this Kafka instead of starting a broker (or set KAFKA_BOOTSTRAP_SERVERS)
  --no-build           never run Maven; use the jars that are there
  --rebuild            build even if the jars look newer than the sources
  --follow             also print every log line here, prefixed with its component
  --stop               stop a stack left running (same as deploy/local/stop.sh)
  -h, --help           this text

Provider keys (without --demo): AIBRIDGE_OPENAI_KEY, AIBRIDGE_ANTHROPIC_KEY (and optionally
AIBRIDGE_OPENAI_BASE_URL, AIBRIDGE_ANTHROPIC_BASE_URL). Ports: AIBRIDGE_PROXY_PORT (8080),
AIBRIDGE_QUERY_PORT (8081), AIBRIDGE_RECORDER_PORT (8082), AIBRIDGE_RETENTION_PORT (8083),
AIBRIDGE_KAFKA_PORT (9092), AIBRIDGE_KAFKA_CONTROLLER_PORT (9093), AIBRIDGE_PG_PORT (15432),
AIBRIDGE_FAKE_PROVIDER_PORT (9099). The embedded PostgreSQL's shared_buffers: AIBRIDGE_PG_SHARED_BUFFERS
(1GB). Data and logs: AIBRIDGE_HOME (.aibridge in the repository).
JVM options for the services: AIBRIDGE_JAVA_OPTS (-Xmx512m; the retention-service adds
-XX:TieredStopAtLevel=1 -XX:+UseSerialGC), or per service AIBRIDGE_PROXY_JAVA_OPTS,
AIBRIDGE_QUERY_JAVA_OPTS, AIBRIDGE_RECORDER_JAVA_OPTS, AIBRIDGE_RETENTION_JAVA_OPTS, which replace it.
Kafka, PostgreSQL, recorder- and retention-service (the recording side, never on an agent's request
path) run at niceness AIBRIDGE_BACKGROUND_NICE (10; 0 to 19, 0 for none), so that on one machine they
yield the CPU to the proxy and query-service. Time to wait for readiness: AIBRIDGE_READY_TIMEOUT (s, 120). How long requests in flight may finish
when the stack stops: AIBRIDGE_SHUTDOWN_TIMEOUT (10s here; the services' own default is 30s).
EOF
}

DEMO= BUILD=auto FOLLOW=
DB_URL=${AIBRIDGE_DB_URL:-}
KAFKA_EXTERNAL=${KAFKA_BOOTSTRAP_SERVERS:-}
while (($#)); do
  case $1 in
    --demo) DEMO=1 ;;
    --db-url) (($# > 1)) || die "--db-url needs a JDBC URL"; DB_URL=$2; shift ;;
    --db-url=*) DB_URL=${1#*=} ;;
    --db-user) (($# > 1)) || die "--db-user needs a value"; AIBRIDGE_DB_USER=$2; shift ;;
    --db-password) (($# > 1)) || die "--db-password needs a value"; AIBRIDGE_DB_PASSWORD=$2; shift ;;
    --kafka) (($# > 1)) || die "--kafka needs HOST:PORT"; KAFKA_EXTERNAL=$2; shift ;;
    --kafka=*) KAFKA_EXTERNAL=${1#*=} ;;
    --no-build) BUILD=never ;;
    --rebuild) BUILD=always ;;
    --follow) FOLLOW=1 ;;
    --stop) exec "$REPO/deploy/local/stop.sh" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
if [[ -n $DB_URL && $DB_URL != jdbc:postgresql://* ]]; then
  die "--db-url must be a JDBC URL such as jdbc:postgresql://db.example:5432/aibridge (got: $DB_URL)"
fi
READY_TIMEOUT=${AIBRIDGE_READY_TIMEOUT:-120}
[[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "AIBRIDGE_READY_TIMEOUT must be a number of seconds"
SERVICES_GRACE=$(services_grace_for_settings) ||
  die "AIBRIDGE_SHUTDOWN_TIMEOUT (${AIBRIDGE_SHUTDOWN_TIMEOUT:-}) and AIBRIDGE_SHUTDOWN_DELAY (${AIBRIDGE_SHUTDOWN_DELAY:-}) must be durations such as 10s, 500ms or 2m"
BACKGROUND_NICE=$(background_nice) ||
  die "AIBRIDGE_BACKGROUND_NICE must be a niceness from 0 (off) to 19, not \"${AIBRIDGE_BACKGROUND_NICE}\""
command -v java >/dev/null || die "java is not on the PATH; install a JDK 17 or newer"

JAVA_TMP=$AIBRIDGE_HOME/tmp
STARTED_AT=$EPOCHREALTIME

# ---------------------------------------------------------------- one stack per home
if pid=$(runner_pid); then
  die "AI Bridge is already running from $AIBRIDGE_HOME (run.sh pid $pid); stop it with Ctrl-C there or deploy/local/stop.sh"
fi
mkdir -p "$RUN_DIR"
# Two starts at the same moment would both pass the check above: the lock makes one of them lose.
# It is released when this script ends, however it ends; the components never inherit it.
if command -v flock >/dev/null; then
  exec 9>"$RUN_DIR/stack.lock"
  flock -n 9 || die "another deploy/local/run.sh is starting or running from $AIBRIDGE_HOME"
fi
# stop.sh finds this script by its pid and start time (and the lock it holds)
runner_record $$ >"$RUN_DIR/stack.pid"
leftovers=$(running_components)
if [[ -n $leftovers ]]; then
  say "Stopping what a previous run left behind: $(echo $leftovers)"
  stop_components
fi
mkdir -p "$RUN_DIR" "$LOG_DIR" "$JAVA_TMP"
# stop.sh, from a shell that may have other settings, stops the services with this grace
echo "$SERVICES_GRACE" >"$RUN_DIR/services.grace"

# From the first launch on, every way this script ends stops the stack in order (lib.sh, shutdown).
STOPPING= LAUNCHED=
stop_stack_on_exit

# Refuse to start next to something else on our ports: a second broker on the same port or data
# wedges the first one (platform pitfall P7).
need_free_port() {
  port_open "$1" && die "port $1 ($2) is already in use by another program; stop it or set $3"
  return 0
}
for name in "${SERVICES[@]}"; do
  var=AIBRIDGE_$(echo "${name%-service}" | tr a-z A-Z)_PORT
  need_free_port "$(service_port "$name")" "$name" "$var"
done
if [[ -z $KAFKA_EXTERNAL ]]; then
  need_free_port "$KAFKA_PORT" "Kafka" AIBRIDGE_KAFKA_PORT
  need_free_port "$KAFKA_CONTROLLER_PORT" "Kafka controller" AIBRIDGE_KAFKA_CONTROLLER_PORT
fi
[[ -z $DB_URL ]] && need_free_port "$PG_PORT" "PostgreSQL" AIBRIDGE_PG_PORT
[[ -n $DEMO ]] && need_free_port "$FAKE_PROVIDER_PORT" "fake provider" AIBRIDGE_FAKE_PROVIDER_PORT

# ---------------------------------------------------------------- build
if [[ $BUILD == always ]] || { [[ $BUILD == auto ]] && build_is_stale; }; then
  say "Building the services and test-support (about a minute; log: ${LOG_DIR#$REPO/}/build.log)..."
  t0=$EPOCHREALTIME
  if ! build_modules; then
    tail -40 "$LOG_DIR/build.log" >&2
    die "the build failed; full log in $LOG_DIR/build.log"
  fi
  say "Built in $(elapsed "$t0") s."
elif [[ $BUILD == never ]]; then
  for module in "${SERVICES[@]}"; do
    [[ -f $REPO/$module/target/quarkus-app/quarkus-run.jar ]] || die "$module is not built; run without --no-build"
  done
  [[ -f $TEST_SUPPORT_CLASSPATH_FILE ]] || die "test-support is not built; run without --no-build"
  IFS=: read -r -a entries <"$TEST_SUPPORT_CLASSPATH_FILE" || true
  for entry in "${entries[@]}"; do
    [[ -e $entry ]] || die "test-support's classpath names $entry, which is not there (a dependency changed since the
  last build); run without --no-build"
  done
fi
TEST_SUPPORT_CP=$TEST_SUPPORT_CLASSES:$(<"$TEST_SUPPORT_CLASSPATH_FILE")
# test-support logs through SLF4J bound to JBoss LogManager, which prints nothing unless it is the JUL manager
TEST_SUPPORT_LOGGING=(-Djava.util.logging.manager=org.jboss.logmanager.LogManager)

FAKE_PROVIDER_CLASS=io.aibridge.testing.fake.FakeProviderMain
if [[ -n $DEMO && ! -f $TEST_SUPPORT_CLASSES/${FAKE_PROVIDER_CLASS//.//}.class ]]; then
  die "--demo needs the fake provider ($FAKE_PROVIDER_CLASS in test-support), which this checkout does not have;
  run without --demo and set AIBRIDGE_OPENAI_KEY / AIBRIDGE_ANTHROPIC_KEY instead"
fi

# ---------------------------------------------------------------- Kafka broker jars
KAFKA_VERSION=$(pom_property kafka.version)
if [[ -z $KAFKA_EXTERNAL ]] && ! kafka_jars_ready "$KAFKA_VERSION"; then
  say "Fetching the Kafka $KAFKA_VERSION broker jars into deploy/kafka/lib/..."
  fetch_kafka_jars "$KAFKA_VERSION" ||
    { tail -20 "$LOG_DIR/kafka-fetch.log" >&2; die "could not fetch the Kafka jars; log in $LOG_DIR/kafka-fetch.log"; }
fi

# ---------------------------------------------------------------- start
say "Starting AI Bridge from $AIBRIDGE_HOME"
START_PHASE_AT=$EPOCHREALTIME
rotate_log() { [[ -f $LOG_DIR/$1.log ]] && mv -f "$LOG_DIR/$1.log" "$LOG_DIR/$1.log.1"; return 0; }

# Starts a JVM in the background with the stack's markers, at its niceness (component_nice: nice
# execs java, so the pid is the JVM's and every thread and child process inherits it); its output
# goes to logs/$1.log.
launch() {
  local name=$1
  shift
  rotate_log "$name"
  nice -n "$(component_nice "$name")" java "$(component_marker "$name")" "$(home_marker)" -Djava.io.tmpdir="$JAVA_TMP" "$@" \
    >"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/$name.pid"
  LAUNCHED=1
}

if [[ -z $KAFKA_EXTERNAL ]]; then
  mkdir -p "$KAFKA_DIR/data"
  if [[ ! -f $KAFKA_DIR/cluster-id ]]; then
    # any 16 random bytes in URL-safe base64 (22 characters) is a valid KRaft cluster id; one in 64
    # would start with '-' and be taken for an option, so its first character is replaced
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22 | sed 's/^-/A/' >"$KAFKA_DIR/cluster-id"
  fi
  sed -e "s#@DATA_DIR@#$KAFKA_DIR/data#" -e "s#@PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" "$REPO/deploy/kafka/server.properties" >"$KAFKA_DIR/server.properties"
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    java -cp "$KAFKA_LIB/*" -Dlog4j2.configurationFile="$REPO/deploy/kafka/log4j2.properties" \
      kafka.tools.StorageTool format --ignore-formatted --cluster-id="$(<"$KAFKA_DIR/cluster-id")" \
      -c "$KAFKA_DIR/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1 \
      || { cat "$LOG_DIR/kafka-format.log" >&2; die "could not format the Kafka data directory $KAFKA_DIR/data"; }
  fi
  launch kafka -Xms256m -Xmx512m -Dlog4j2.configurationFile="$REPO/deploy/kafka/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
else
  KAFKA_BOOTSTRAP=$KAFKA_EXTERNAL
fi

if [[ -z $DB_URL ]]; then
  launch postgres -Xmx128m "${TEST_SUPPORT_LOGGING[@]}" -cp "$TEST_SUPPORT_CP" io.aibridge.testing.local.LocalPostgresMain \
    --port "$PG_PORT" --data-dir "$PGDATA_DIR" --runtime-dir "$AIBRIDGE_HOME/pg-runtime" \
    --database aibridge --user aibridge --password aibridge --ready-file "$RUN_DIR/postgres.ready"
  DB_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/aibridge
  AIBRIDGE_DB_USER=aibridge AIBRIDGE_DB_PASSWORD=aibridge
fi

if [[ -n $DEMO ]]; then
  launch fake-provider -Xmx256m "${TEST_SUPPORT_LOGGING[@]}" -cp "$TEST_SUPPORT_CP" "$FAKE_PROVIDER_CLASS" --port "$FAKE_PROVIDER_PORT"
fi

# A component that dies while we wait ends the start with its log.
check_alive() {
  local pid
  pid=$(<"$RUN_DIR/$1.pid")
  if ! alive "$pid"; then
    warn "$1 exited during start; the end of $LOG_DIR/$1.log:"
    tail -30 "$LOG_DIR/$1.log" >&2
    shutdown 1
  fi
}
wait_for() { # name, condition command...; gives up after READY_TIMEOUT
  local name=$1 deadline=$((SECONDS + READY_TIMEOUT))
  shift
  until "$@"; do
    check_alive "$name"
    ((SECONDS < deadline)) || { warn "$name was not ready after $READY_TIMEOUT s; see $LOG_DIR/$name.log"; shutdown 1; }
    sleep 0.2
  done
}
postgres_ready() { [[ -f $RUN_DIR/postgres.ready ]]; }
[[ -z $KAFKA_EXTERNAL ]] && wait_for kafka port_open "$KAFKA_PORT"
[[ -f $RUN_DIR/postgres.pid ]] && wait_for postgres postgres_ready
[[ -n $DEMO ]] && wait_for fake-provider port_open "$FAKE_PROVIDER_PORT"
started=()
[[ -z $KAFKA_EXTERNAL ]] && started+=(Kafka)
[[ -f $RUN_DIR/postgres.pid ]] && started+=(PostgreSQL)
[[ -n $DEMO ]] && started+=("the fake provider")
((${#started[@]})) && say "  $(IFS=,; echo "${started[*]}" | sed 's/,/, /g') up in $(elapsed "$START_PHASE_AT") s"

# The bootstrap admin token: made once, kept with the data it guards.
TOKEN_FILE=$AIBRIDGE_HOME/bootstrap-token
if [[ ! -s $TOKEN_FILE ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | sed 's/^/aibridge-admin-/' >"$TOKEN_FILE")
fi
AIBRIDGE_BOOTSTRAP_TOKEN=$(<"$TOKEN_FILE")

export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP
export AIBRIDGE_DB_URL=$DB_URL AIBRIDGE_DB_USER=${AIBRIDGE_DB_USER:-aibridge} AIBRIDGE_DB_PASSWORD=${AIBRIDGE_DB_PASSWORD:-aibridge}
export AIBRIDGE_BOOTSTRAP_TOKEN
export_service_settings
# loopback only by default: a laptop stack with a printed admin token stays off the network
# (set QUARKUS_HTTP_HOST=0.0.0.0 to share it)
export QUARKUS_HTTP_HOST=${QUARKUS_HTTP_HOST:-127.0.0.1}
export AIBRIDGE_PROXY_PORT=$PROXY_PORT AIBRIDGE_QUERY_PORT=$QUERY_PORT
export AIBRIDGE_RECORDER_PORT=$RECORDER_PORT AIBRIDGE_RETENTION_PORT=$RETENTION_PORT
if [[ -n $DEMO ]]; then
  export AIBRIDGE_OPENAI_BASE_URL=http://127.0.0.1:$FAKE_PROVIDER_PORT/v1/
  export AIBRIDGE_ANTHROPIC_BASE_URL=http://127.0.0.1:$FAKE_PROVIDER_PORT/
  # Copilot speaks OpenAI's API; the fake serves it under /v1
  export AIBRIDGE_COPILOT_BASE_URL=http://127.0.0.1:$FAKE_PROVIDER_PORT/v1
  # the fake accepts any key; never send a real one to it
  export AIBRIDGE_OPENAI_KEY=demo-openai-key AIBRIDGE_ANTHROPIC_KEY=demo-anthropic-key
  # Claude on AWS Bedrock, played by the fake too, as the next provider instance: claude-aws. Its keys
  # are the ones the fake checks signatures with (FakeProvider.BEDROCK_ACCESS_KEY / _SECRET_KEY).
  n=0
  while [[ -n $(printenv "AIBRIDGE_PROVIDER_${n}_TYPE") ]]; do n=$((n + 1)); done
  export "AIBRIDGE_PROVIDER_${n}_TYPE=anthropic" "AIBRIDGE_PROVIDER_${n}_NAME=claude-aws" \
    "AIBRIDGE_PROVIDER_${n}_BEDROCK_BASE_URL=http://127.0.0.1:$FAKE_PROVIDER_PORT" "AIBRIDGE_PROVIDER_${n}_BEDROCK_REGION=us-east-1" \
    "AIBRIDGE_PROVIDER_${n}_BEDROCK_ACCESS_KEY=AKIDFAKEBEDROCK0001" \
    "AIBRIDGE_PROVIDER_${n}_BEDROCK_ACCESS_KEY_SECRET=fakeBedrockSecretKey000000000000000000/0" \
    "AIBRIDGE_PROVIDER_${n}_BEDROCK_MODEL=us.anthropic.claude-sonnet-4-5-20250929-v1:0" \
    "AIBRIDGE_PROVIDER_${n}_BEDROCK_SMALL_FAST_MODEL=us.anthropic.claude-haiku-4-5-20251001-v1:0"
fi

for name in "${SERVICES[@]}"; do
  # proxy-service -> AIBRIDGE_PROXY_JAVA_OPTS; when unset, AIBRIDGE_JAVA_OPTS
  own_opts=AIBRIDGE_$(tr 'a-z' 'A-Z' <<<"${name%-service}")_JAVA_OPTS
  default_opts=-Xmx512m
  if [[ $name == retention-service ]]; then
    # it waits on PostgreSQL nearly all the time: the C1 compiler alone and the serial collector
    # keep its start and its purges off the cores the recorder and PostgreSQL need
    default_opts+=" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
  fi
  read -r -a java_opts <<<"${!own_opts:-${AIBRIDGE_JAVA_OPTS:-$default_opts}}"
  launch "$name" "${java_opts[@]}" -jar "$REPO/$name/target/quarkus-app/quarkus-run.jar"
done
service_ready() { [[ $(http_status "$(service_port "$1")" /q/health/ready) == 200 ]]; }
for name in "${SERVICES[@]}"; do
  wait_for "$name" service_ready "$name"
done
READY_IN=$(elapsed "$START_PHASE_AT")

# ---------------------------------------------------------------- tell the user
BASE=http://localhost:$PROXY_PORT
cat <<EOF

AI Bridge is ready: all four services in $READY_IN s after the start ($(elapsed "$STARTED_AT") s in all).

  proxy          $BASE   (OpenAI: /api/v2/aibridge/openai/v1, Anthropic: /api/v2/aibridge/anthropic)
  query API      http://localhost:$QUERY_PORT/api/v2/aibridge/sessions
  recorder       http://localhost:$RECORDER_PORT/q/health
  retention      http://localhost:$RETENTION_PORT/q/health
  metrics        http://localhost:{$PROXY_PORT,$QUERY_PORT,$RECORDER_PORT,$RETENTION_PORT}/q/metrics
  Kafka          $KAFKA_BOOTSTRAP_SERVERS
  PostgreSQL     $AIBRIDGE_DB_URL (user $AIBRIDGE_DB_USER)
EOF
if ((BACKGROUND_NICE > 0)); then
  say "  niceness       $BACKGROUND_NICE for the recording side started here (Kafka, PostgreSQL, recorder, retention; AIBRIDGE_BACKGROUND_NICE)"
fi
if [[ -n $DEMO ]]; then
  say "  upstream       fake provider on http://127.0.0.1:$FAKE_PROVIDER_PORT (--demo); also as AWS Bedrock behind"
  say "                 $BASE/api/v2/aibridge/claude-aws (Claude Code: ANTHROPIC_BASE_URL set to that)"
else
  say "  upstream       ${AIBRIDGE_OPENAI_BASE_URL:-https://api.openai.com/v1/} and ${AIBRIDGE_ANTHROPIC_BASE_URL:-https://api.anthropic.com/}"
  [[ -z ${AIBRIDGE_OPENAI_KEY:-}${AIBRIDGE_ANTHROPIC_KEY:-} ]] &&
    say "                 (no AIBRIDGE_OPENAI_KEY / AIBRIDGE_ANTHROPIC_KEY set: providers will refuse requests; try --demo)"
fi
cat <<EOF

Bootstrap admin token (user "admin"; kept in ${TOKEN_FILE#$REPO/}):
  $AIBRIDGE_BOOTSTRAP_TOKEN

Claude Code:
  export ANTHROPIC_BASE_URL=$BASE/api/v2/aibridge/anthropic
  export ANTHROPIC_API_KEY=$AIBRIDGE_BOOTSTRAP_TOKEN
Codex and the OpenAI SDKs:
  export OPENAI_BASE_URL=$BASE/api/v2/aibridge/openai/v1
  export OPENAI_API_KEY=$AIBRIDGE_BOOTSTRAP_TOKEN
Try it:
  curl $BASE/api/v2/aibridge/anthropic/v1/messages -H "x-api-key: $AIBRIDGE_BOOTSTRAP_TOKEN" \\
    -H "anthropic-version: 2023-06-01" -H "content-type: application/json" \\
    -d '{"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Say hello"}]}'
  curl http://localhost:$QUERY_PORT/api/v2/aibridge/sessions -H "Authorization: Bearer $AIBRIDGE_BOOTSTRAP_TOKEN"

Logs: ${LOG_DIR#$REPO/}/   Stop: Ctrl-C here (or deploy/local/stop.sh from another terminal)
EOF

if [[ -n $FOLLOW ]]; then
  logs=()
  for name in "${COMPONENTS[@]}"; do
    [[ -f $RUN_DIR/$name.pid ]] && logs+=("$LOG_DIR/$name.log")
  done
  # tail names each file in a "==> path <==" header before its lines; awk turns that into a prefix.
  # --pid: tail ends with this script, even when the script is killed
  tail --pid=$$ -n 0 -F "${logs[@]}" 2>/dev/null 9>&- > >(awk '/^==> .* <==$/ { n = split($2, p, "/"); c = p[n]; sub(/\.log$/, "", c); next }
    NF { print "[" c "] " $0; fflush() }') &
  FOLLOW_PID=$!
fi

# ---------------------------------------------------------------- foreground
# Wait for Ctrl-C / SIGTERM (the traps stop everything) or for a component to die on its own.
watched=()
for name in "${COMPONENTS[@]}"; do
  [[ -f $RUN_DIR/$name.pid ]] && watched+=("$(<"$RUN_DIR/$name.pid")")
done
while :; do
  wait -n "${watched[@]}" || true
  for name in "${COMPONENTS[@]}"; do
    [[ -f $RUN_DIR/$name.pid ]] || continue
    if ! alive "$(<"$RUN_DIR/$name.pid")"; then
      warn "$name stopped unexpectedly; the end of $LOG_DIR/$name.log:"
      tail -20 "$LOG_DIR/$name.log" >&2
      shutdown 1
    fi
  done
done
