#!/usr/bin/env bash
# Smoke test: does the bench work against a server at all (not how fast)?
#
#   WEBRTC_STAR_SERVER_BIN=/path/to/webrtc-star-server bench/smoke-test.sh /path/to/webrtc-star-bench
#
# The server command (it may carry arguments) is started with
# `--host 127.0.0.1 --port 0` and must print `listening on 127.0.0.1:<port>`
# (stderr or stdout) when ready. A few hundred clients run a few seconds of
# handshakes; exit status is non-zero if none completed or errors dominate.
# Every process started here is stopped on exit.
set -euo pipefail

bench=${1:?usage: WEBRTC_STAR_SERVER_BIN=... $0 /path/to/webrtc-star-bench}
server_cmd=${WEBRTC_STAR_SERVER_BIN:?set WEBRTC_STAR_SERVER_BIN to the server binary}
clients=${SMOKE_CLIENTS:-300}
seconds=${SMOKE_SECONDS:-3}

[ -x "$bench" ] || { echo "smoke-test: bench binary not executable: $bench" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2086 # the command may carry its own arguments
$server_cmd --host 127.0.0.1 --port 0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

port=
for _ in $(seq 100); do
    port=$(cat "$work/server.err" "$work/server.out" 2>/dev/null |
        sed -n 's/.*[Ll]istening on:\{0,1\} \{1,\}\(http:\/\/\)\{0,1\}127\.0\.0\.1:\([0-9]\{1,\}\).*/\2/p' | head -n 1)
    [ -n "$port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "smoke-test: server exited before listening:" >&2
        cat "$work/server.err" >&2
        exit 1
    fi
    sleep 0.1
done
[ -n "$port" ] || { echo "smoke-test: server did not print 'listening on 127.0.0.1:<port>' within 10 s" >&2; exit 1; }
echo "smoke-test: server listening on 127.0.0.1:$port" >&2

status=0
"$bench" --url "ws://127.0.0.1:$port/socket.io-next/" --clients "$clients" --connect-rate 1000 \
    --rate 200 --duration "${seconds}s" --candidates 1 --settle 300ms --drain 2s \
    --quiet --check --json-file "$work/result.json" || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "smoke-test: server died during the run" >&2
    cat "$work/server.err" >&2
    status=${status/#0/1}
fi
if [ "$status" -ne 0 ]; then
    echo "smoke-test: FAILED (bench exit $status)" >&2
    exit "$status"
fi
echo "smoke-test: OK" >&2
