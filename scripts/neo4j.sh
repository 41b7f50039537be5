#!/usr/bin/env bash
# A real Neo4j 5.26 for tests and development, without Docker (tests/neo4j: the official neo4j-harness).
#   scripts/neo4j.sh start   build if needed, start in the background, return once Bolt accepts connections
#   scripts/neo4j.sh stop    stop the server started by `start`
#   scripts/neo4j.sh status  say whether it runs
#   scripts/neo4j.sh admin ARGS...  run neo4j-admin ARGS (org.neo4j.cli.AdminTool from Maven Central, e.g.
#                            `database import full ...`) with NEO4J_HOME=$NEO4J_ADMIN_HOME (default .neo4j/admin):
#                            it writes databases under $NEO4J_ADMIN_HOME/data
# Environment: NEO4J_PORT (default 7687), NEO4J_HOME_DIR (default .neo4j: pid file, log, data),
# NEO4J_START_TIMEOUT seconds (default 240), NEO4J_JAVA_OPTS (default -Xmx2g), NEO4J_PAGE_CACHE (default 256m),
# NEO4J_DATA_DIR (start on this Neo4j data directory, e.g. one built by `admin database import full`, and keep it),
# NEO4J_ADMIN_JAVA_OPTS (default -Xmx1g).
# Authentication is disabled: this server is for tests on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${NEO4J_PORT:-7687}"
HOME_DIR="${NEO4J_HOME_DIR:-$ROOT/.neo4j}"
PID_FILE="$HOME_DIR/neo4j.pid"
LOG="$HOME_DIR/neo4j.log"
TIMEOUT="${NEO4J_START_TIMEOUT:-240}"
JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xmx2g -Xms512m -XX:+UseG1GC}"
PAGE_CACHE="${NEO4J_PAGE_CACHE:-256m}"
MODULE="$ROOT/tests/neo4j"
CLASSPATH_FILE="$MODULE/target/classpath.txt"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

build() {
    local stale=0
    [[ -f "$CLASSPATH_FILE" && -d "$MODULE/target/classes/stakenet" ]] || stale=1
    if [[ $stale == 0 ]] && [[ -n "$(find "$MODULE/pom.xml" "$MODULE/src" -newer "$CLASSPATH_FILE" -type f 2>/dev/null)" ]]; then
        stale=1
    fi
    if [[ $stale == 1 ]]; then
        if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
            if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
                echo "neo4j: installing Java 17 and Maven from Debian's packages..."
                apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jdk-headless maven >/dev/null
            else
                echo "neo4j: Java 17+ (javac) and Maven (mvn) are needed to build the test server; install them (apt-get install openjdk-17-jdk-headless maven)" >&2
                exit 1
            fi
        fi
        echo "neo4j: building the test server (first time downloads Neo4j from Maven Central)..."
        mvn -q -B -f "$MODULE/pom.xml" package -DskipTests >"$HOME_DIR/build.log" 2>&1 || {
            echo "neo4j: build failed; last lines of $HOME_DIR/build.log:" >&2
            tail -n 30 "$HOME_DIR/build.log" >&2
            exit 1
        }
    fi
}

start() {
    mkdir -p "$HOME_DIR"
    local pid
    if pid="$(running_pid)"; then
        if port_open; then
            echo "neo4j: already running (pid $pid) at bolt://127.0.0.1:$PORT"
            return 0
        fi
    elif port_open; then
        echo "neo4j: port $PORT on 127.0.0.1 is already taken by another program (not started by $0)." >&2
        echo "       If it is a Neo4j, use it as it is; otherwise stop it or set NEO4J_PORT." >&2
        exit 1
    fi
    build
    # The harness makes a fresh database folder under --dir and deletes it on a clean stop.
    # setsid: the server outlives the shell (make) that started it.
    # shellcheck disable=SC2086
    local data_args=()
    [[ -n "${NEO4J_DATA_DIR:-}" ]] && data_args=(--data-dir "$NEO4J_DATA_DIR")
    setsid java $JAVA_OPTS -cp "$MODULE/target/classes:$(cat "$CLASSPATH_FILE")" stakenet.Neo4jTestServer \
        --port "$PORT" --dir "$HOME_DIR/data" --page-cache "$PAGE_CACHE" "${data_args[@]}" >"$LOG" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    local waited=0
    until grep -q '^READY ' "$LOG" 2>/dev/null && port_open; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "neo4j: the test server exited during startup; last lines of $LOG:" >&2
            tail -n 30 "$LOG" >&2
            rm -f "$PID_FILE"
            exit 1
        fi
        if (( waited >= TIMEOUT )); then
            echo "neo4j: Bolt did not accept connections on 127.0.0.1:$PORT within ${TIMEOUT}s; last lines of $LOG:" >&2
            tail -n 30 "$LOG" >&2
            kill "$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "neo4j: ready at bolt://127.0.0.1:$PORT (pid $pid, ${waited}s, log $LOG)"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "neo4j: not running"
        rm -f "$PID_FILE"
        return 0
    fi
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if (( waited >= 60 )); then
            echo "neo4j: pid $pid did not stop within 60s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    echo "neo4j: stopped"
}

status() {
    local pid
    if pid="$(running_pid)" && port_open; then
        echo "neo4j: running (pid $pid) at bolt://127.0.0.1:$PORT"
    else
        echo "neo4j: not running"
        return 1
    fi
}

admin() {
    mkdir -p "$HOME_DIR"
    build
    local home="${NEO4J_ADMIN_HOME:-$HOME_DIR/admin}"
    mkdir -p "$home"
    # shellcheck disable=SC2086
    NEO4J_HOME="$home" exec java ${NEO4J_ADMIN_JAVA_OPTS:--Xmx1g} -cp "$MODULE/target/classes:$(cat "$CLASSPATH_FILE")" \
        org.neo4j.cli.AdminTool "$@"
}

case "${1:-}" in
    start) start ;;
    admin) shift; admin "$@" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status|admin ARGS..." >&2; exit 2 ;;
esac
