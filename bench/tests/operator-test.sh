#!/usr/bin/env bash
# The bench as an operator uses it, against real servers on loopback:
#   - the daemon with TLS (a CA and a server certificate made here with openssl):
#     wss with --ca-file passes, without it fails with a clear error, --insecure passes;
#   - Debian's nginx in front of the daemon, with deploy/nginx.conf adapted to test ports;
#   - two daemons as two --urls (memory backend: cross-server handshakes are
#     "peer is not available", and reported as such); one name on two addresses;
#   - Engine.IO 3 and 4 clients in one run, on both Socket.IO paths;
#   - every scenario; each report valid against bench/report.schema.json, the HTML self-contained;
#   - --slo both ways, and the refusal of a target outside loopback.
#
#   WEBRTC_STAR_SERVER_BIN=build/server/webrtc-star-server bench/tests/operator-test.sh build/bench/webrtc-star-bench
#
# Needs openssl, nginx and python3 with jsonschema (scripts/bootstrap --tests installs them).
# Every process started here is stopped by its PID on exit; all traffic stays on 127.0.0.0/8.
# BENCH_OPERATOR_ARTIFACTS=DIR keeps the reports (JSON and HTML) there.
set -euo pipefail

bench=${1:?usage: WEBRTC_STAR_SERVER_BIN=... $0 /path/to/webrtc-star-bench}
server=${WEBRTC_STAR_SERVER_BIN:?set WEBRTC_STAR_SERVER_BIN to the server binary}
here=$(cd "$(dirname "$0")/.." && pwd)      # bench/
schema=$here/report.schema.json
nginx_conf=$here/../deploy/nginx.conf

work=$(mktemp -d)
pids=()
cleanup() {
    if [ -n "${BENCH_OPERATOR_ARTIFACTS:-}" ]; then
        mkdir -p "$BENCH_OPERATOR_ARTIFACTS"
        cp "$work"/*.json "$work"/*.html "$BENCH_OPERATOR_ARTIFACTS"/ 2>/dev/null || true
    fi
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
pass() { echo "ok: $*" >&2; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
need() { command -v "$1" >/dev/null || { echo "operator-test: $1 is missing (scripts/bootstrap --tests)" >&2; exit 1; }; }
need openssl
need nginx
# Debian's python3 has python3-jsonschema; a python3 earlier on PATH may not.
python=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import jsonschema' 2>/dev/null; then python=$p; break; fi
done
[ -n "$python" ] || { echo "operator-test: python3 with jsonschema is missing (python3-jsonschema)" >&2; exit 1; }

# --- servers ---------------------------------------------------------------

# start_server NAME ARGS...: runs the daemon on loopback, sets $port once it listens.
start_server() {
    local name=$1
    shift
    "$server" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    local pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/.*listening on \(https\{0,1\}:\/\/\)\{0,1\}127\.0\.0\.[0-9]*:\([0-9]\{1,\}\).*/\2/p' \
            "$work/$name.err" "$work/$name.out" | head -n 1)
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "operator-test: $name did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
}

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

make_certificates() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=webrtc-star bench test CA" \
        -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
        >"$work/ext.cnf"
    openssl x509 -req -days 2 -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
        -CAcreateserial -extfile "$work/ext.cnf" -out "$work/server.pem" 2>/dev/null
}

# The project's nginx example with its ports, names and certificate paths
# replaced, inside a minimal main configuration that keeps everything in $work.
start_nginx() {
    local upstream=$1 http_port tls_port
    http_port=$(free_port)
    tls_port=$(free_port)
    mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
    sed -e "s/listen 80;/listen 127.0.0.1:$http_port;/" \
        -e "s/listen 443 ssl;/listen 127.0.0.1:$tls_port ssl;/" \
        -e '/listen \[::\]/d' \
        -e "s/server 127.0.0.1:9090;/server 127.0.0.1:$upstream;/" \
        -e "s/server_name star.example.org;/server_name localhost;/" \
        -e "s|/etc/letsencrypt/live/star.example.org/fullchain.pem|$work/server.pem|" \
        -e "s|/etc/letsencrypt/live/star.example.org/privkey.pem|$work/server.key|" \
        -e "s|/var/www/letsencrypt|$work/nginx|" \
        "$nginx_conf" >"$work/nginx/site.conf"
    grep -q "127.0.0.1:$tls_port ssl" "$work/nginx/site.conf" || { echo "operator-test: deploy/nginx.conf changed shape" >&2; exit 1; }
    cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/site.conf;
}
EOF
    nginx -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" &
    pids+=($!)
    local pid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && { nginx_port=$tls_port; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "operator-test: nginx did not start:" >&2
    cat "$work/nginx/logs/error.log" >&2
    exit 1
}

# --- checks ----------------------------------------------------------------

# run NAME ARGS...: one bounded bench run writing $work/NAME.{json,html}; sets $rc.
run() {
    local name=$1
    shift
    rc=0
    timeout -k 10 60 "$bench" --clients 24 --rate 24 --duration 1s --settle 100ms --drain 1s \
        --report "$work/$name" "$@" >"$work/$name.txt" 2>"$work/$name.err" || rc=$?
}

# json NAME EXPR: a Python expression over the report `r`.
json() { "$python" -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$work/$1.json"; }

valid_report() {
    local name=$1
    if "$python" - "$work/$name.json" "$schema" <<'EOF' 2>"$work/$name.schema"
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(json.load(open(sys.argv[1])))
EOF
    then pass "$name: report matches the schema"
    else fail "$name: report does not match the schema: $(tail -n 5 "$work/$name.schema")"; fi
    # Self-contained: inline SVG, nothing fetched (no src=, href=, url( or @import).
    if grep -q '<svg' "$work/$name.html" && ! grep -Eq 'src=|href=|url\(|@import' "$work/$name.html"
    then pass "$name: HTML report has inline plots and no external assets"
    else fail "$name: HTML report missing plots or loading assets"; fi
}

expect() { # expect NAME DESCRIPTION PYTHON-CONDITION
    if [ "$(json "$1" "$3")" = True ]; then pass "$1: $2"; else fail "$1: $2 ($3; report: $work/$1.json)"; cat "$work/$1.err" >&2; fi
}

expect_rc() { # expect_rc NAME WANTED
    if [ "$rc" -eq "$2" ]; then pass "$1: exit $rc"; else fail "$1: exit $rc, wanted $2"; cat "$work/$1.err" "$work/$1.txt" >&2; fi
}

# --- the runs --------------------------------------------------------------

make_certificates
start_server plain_a --host 127.0.0.1 --port 0
port_a=$port
start_server plain_b --host 127.0.0.1 --port 0
port_b=$port
start_server tls --host 127.0.0.1 --port 0 --tls-cert "$work/server.pem" --tls-key "$work/server.key"
port_tls=$port

# TLS straight to the daemon.
run tls_ca --url "wss://localhost:$port_tls/socket.io-next/" --ca-file "$work/ca.pem"
expect_rc tls_ca 0
expect tls_ca "every client made a TLS handshake, timed apart" \
    "r['setup']['tls_handshakes'] == 24 and r['setup']['tls_handshake_ms']['count'] == 24"
expect tls_ca "handshakes completed without errors" "r['phases'][0]['completed'] > 0 and r['errors'] == {}"
valid_report tls_ca

if grep -q '] load\|\[ *[0-9.]*s\]' "$work/tls_ca.err"; then fail "tls_ca: progress written although stderr is not a terminal"
else pass "tls_ca: quiet when stderr is not a terminal"; fi

run tls_no_ca --url "wss://localhost:$port_tls/socket.io-next/"
expect_rc tls_no_ca 1
if grep -q "certificate verify failed" "$work/tls_no_ca.err"; then pass "tls_no_ca: says the certificate did not verify"
else fail "tls_no_ca: no clear error"; cat "$work/tls_no_ca.err" >&2; fi
expect tls_no_ca "counted as tls_failed" "r['errors'].get('tls_failed') == 24"

run tls_insecure --url "wss://127.0.0.1:$port_tls/socket.io/" --insecure --eio mix
expect_rc tls_insecure 0
expect tls_insecure "--insecure connects to a certificate it cannot verify" "r['setup']['ready'] == 24"

# Through nginx (TLS in the proxy, the daemon plain behind it), both paths, EIO 3 and 4.
start_nginx "$port_a"
run nginx_next --url "wss://localhost:$nginx_port/socket.io-next/" --ca-file "$work/ca.pem" --eio mix
expect_rc nginx_next 0
expect nginx_next "handshakes through nginx, no errors" "r['phases'][0]['completed'] > 0 and r['errors'] == {}"
run nginx_v2 --url "wss://localhost:$nginx_port/socket.io/" --ca-file "$work/ca.pem" --eio 3
expect_rc nginx_v2 0
expect nginx_v2 "EIO 3 clients through nginx" "r['setup']['eio3_connected'] == 24 and r['phases'][0]['completed'] > 0"
valid_report nginx_v2

# EIO 3 and 4 in one run, on both paths of one daemon (as two --urls).
run mix --url "ws://127.0.0.1:$port_a/socket.io/" --url "ws://127.0.0.1:$port_a/socket.io-next/" --eio mix
expect_rc mix 0
expect mix "half the clients spoke EIO 3" "r['setup']['eio3_connected'] == 12 and r['setup']['ready'] == 24"
expect mix "one server behind both URLs: every handshake completes" \
    "r['phases'][0]['servers']['cross_server']['completed'] == r['phases'][0]['servers']['cross_server']['offers_sent'] > 0"
valid_report mix

# Heartbeats both ways: a 400 ms ping interval, so a run of 3 s needs EIO 3 clients
# to ping and EIO 4 clients to answer, or the server drops them.
start_server pings --host 127.0.0.1 --port 0 --ping-interval 400ms --ping-timeout 400ms
run heartbeats --url "ws://127.0.0.1:$port/socket.io/" --eio mix --duration 3s
expect_rc heartbeats 0
expect heartbeats "nobody dropped over several ping intervals" \
    "r['phases'][0]['counters']['clients_dropped'] == 0 and r['errors'] == {} and r['phases'][0]['completed'] == r['phases'][0]['offers_sent']"

# Two daemons (memory backend): cross-server handshakes cannot complete.
run cluster --url "ws://127.0.0.1:$port_a/socket.io-next/" --url "ws://127.0.0.1:$port_b/socket.io-next/"
expect_rc cluster 0
expect cluster "cross-server offers all 'peer is not available'" \
    "(lambda x: x['offers_sent'] > 0 and x['peer_not_available'] == x['offers_sent'] and x['completed'] == 0)(r['phases'][0]['servers']['cross_server'])"
expect cluster "same-server handshakes complete" \
    "(lambda s: s['completed'] == s['offers_sent'] > 0)(r['phases'][0]['servers']['same_server'])"
valid_report cluster

# One name on two addresses (a second daemon on 127.0.0.2, same port).
start_server plain_a2 --host 127.0.0.2 --port "$port_a"
run two_addresses --url "ws://star.test:$port_a/socket.io-next/" --resolve star.test=127.0.0.1+127.0.0.2 --rate 0
expect_rc two_addresses 0
expect two_addresses "clients spread over both addresses" \
    "len(r['servers'][0]['addresses']) == 2 and r['setup']['ready'] == 24"

# Scenarios: each stops by itself, within its bounds.
run ramp --url "ws://127.0.0.1:$port_a/socket.io-next/" --scenario ramp --connect-rate 40 --duration 1s
expect_rc ramp 0
expect ramp "a ramp to 40/s over 1 s opens about 20 connections, not more" \
    "10 <= r['setup']['ready'] <= 21 and r['phases'] == []"
valid_report ramp
run storm --url "ws://127.0.0.1:$port_a/socket.io-next/" --scenario join-storm
expect_rc storm 0
expect storm "every announcement of the storm arrived" \
    "r['storm']['joins'] == 24 and r['storm']['ws_peer_received'] == r['storm']['ws_peer_expected'] == 24 * 23"
valid_report storm
run churn --url "ws://127.0.0.1:$port_a/socket.io-next/" --scenario churn --churn-rate 8 --duration 2s
expect_rc churn 0
expect churn "clients left and rejoined, at most the rate asked" \
    "0 < r['phases'][0]['counters']['churn_leaves'] <= 16 and r['phases'][0]['completed'] > 0"
valid_report churn
run trickle --url "ws://127.0.0.1:$port_a/socket.io-next/" --scenario trickle
expect_rc trickle 0
expect trickle "ICE candidates went both ways" \
    "(lambda c: c['candidates_sent'] > 0 and c['candidates_received'] == c['candidates_sent'])(r['phases'][0]['counters'])"
run search --url "ws://127.0.0.1:$port_a/socket.io-next/" --scenario rate-search --start-rate 20 --max-rate 40 \
    --step-duration 1s --refine-steps 0 --p99-bound 5s
expect_rc search 0
expect search "the search stops at --max-rate" "r['search']['max_rate'] == 40 and len(r['search']['steps']) == 2"
valid_report search

# Never more than asked: 24/s for 2 s is at most 48 offers.
run rate_cap --url "ws://127.0.0.1:$port_a/socket.io-next/" --duration 2s --progress lines
expect rate_cap "offers never exceed rate x duration" "r['phases'][0]['offers_sent'] <= 48"
if grep -q '] load ' "$work/rate_cap.err"; then pass "rate_cap: --progress lines writes a line a second (bench/compare reads them)"
else fail "rate_cap: no progress lines"; fi

# SLO gating, both ways.
run slo_met --url "ws://127.0.0.1:$port_a/socket.io-next/" --slo "p99=10s,errors=1%,rate=1"
expect_rc slo_met 0
expect slo_met "SLO recorded as met" "r['slo']['passed'] is True and len(r['slo']['checks']) == 3"
run slo_missed --url "ws://127.0.0.1:$port_a/socket.io-next/" --slo "p99=1us"
expect_rc slo_missed 4
if grep -q "SLO missed: p99" "$work/slo_missed.err"; then pass "slo_missed: says which objective"; else fail "slo_missed: no message"; fi

# Refusal outside loopback (192.0.2.1 is TEST-NET-1: nothing is sent there either way).
rc=0
"$bench" --url ws://192.0.2.1:9/socket.io-next/ --clients 2 >"$work/refuse.txt" 2>"$work/refuse.err" || rc=$?
expect_rc refuse 2
if grep -q "i-own-this-target" "$work/refuse.err"; then pass "refuse: names --i-own-this-target"; else fail "refuse: no hint"; fi

if [ "$failures" -gt 0 ]; then
    echo "operator-test: $failures check(s) FAILED" >&2
    exit 1
fi
echo "operator-test: OK" >&2
