#!/usr/bin/env bash
# Every Compose file in deploy/ is valid for docker-compose (`config` parses, merges the anchors and checks
# the schema; it runs nothing and pulls no image), and the Redis recipe says what its README promises:
# three servers on the Redis backend, WebSocket only (no sticky sessions needed), the password from a
# secret file and never in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || { echo "compose-config: docker-compose is not installed" >&2; exit 1; }

for f in docker-compose.yml docker-compose.nwaku.yml redis/docker-compose.yml; do
  NWAKU_NODEKEY=0000 docker-compose -f "$f" config -q
  echo "compose-config: $f is valid"
done

merged=$(docker-compose -f redis/docker-compose.yml config)
fail() { echo "compose-config: redis/docker-compose.yml: $*" >&2; exit 1; }
[ "$(grep -c 'WEBRTC_STAR_BACKEND: redis' <<<"$merged")" = 3 ] || fail "expected three servers with WEBRTC_STAR_BACKEND=redis"
[ "$(grep -c 'WEBRTC_STAR_TRANSPORTS: websocket' <<<"$merged")" = 3 ] || fail "expected every server WebSocket-only"
[ "$(grep -c 'WEBRTC_STAR_REDIS_PASSWORD_FILE: /run/secrets/redis_password' <<<"$merged")" = 3 ] ||
  fail "expected the password from the secret on every server"
! grep -q 'WEBRTC_STAR_REDIS_PASSWORD:' <<<"$merged" || fail "a password in the environment"
for id in star-1 star-2 star-3; do
  grep -q "WEBRTC_STAR_SERVER_ID: $id" <<<"$merged" || fail "no server with id $id"
  grep -q "server $id:9090" redis/nginx.conf || fail "nginx.conf does not balance over $id"
done
echo "compose-config: the Redis recipe is as documented"

# The Sentinel recipe (valid: `config` parses and checks it as above, in one run): a master, a replica, three
# Sentinels that all monitor the master, three servers that ask those Sentinels, the password from the secret only.
merged=$(docker-compose -f redis/docker-compose.sentinel.yml config)
fail() { echo "compose-config: redis/docker-compose.sentinel.yml: $*" >&2; exit 1; }
services=$(MERGED="$merged" python3 -c 'import os, yaml; print(" ".join(sorted(yaml.safe_load(os.environ["MERGED"])["services"])) + " ")')
[ "$services" = "nginx redis-master redis-replica sentinel-1 sentinel-2 sentinel-3 star-1 star-2 star-3 " ] ||
  fail "services are '$services'"
[ "$(grep -c 'WEBRTC_STAR_REDIS_SENTINELS: sentinel-1:26379,sentinel-2:26379,sentinel-3:26379' <<<"$merged")" = 3 ] ||
  fail "expected every server to ask the three Sentinels"
[ "$(grep -c 'sentinel monitor mymaster redis-master 6379 2' <<<"$merged")" = 3 ] || fail "expected three Sentinels on mymaster"
grep -q -- '--replicaof redis-master 6379' <<<"$merged" || fail "no replica of redis-master"
[ "$(grep -c 'WEBRTC_STAR_REDIS_PASSWORD_FILE: /run/secrets/redis_password' <<<"$merged")" = 3 ] ||
  fail "expected the password from the secret on every server"
! grep -q 'WEBRTC_STAR_REDIS_PASSWORD:' <<<"$merged" || fail "a password in the environment"
echo "compose-config: redis/docker-compose.sentinel.yml is valid, and the Redis Sentinel recipe is as documented"

# Monitoring: every recipe has Prometheus and Grafana under the "monitoring" profile only (the default
# stays small), each mounted file exists, Prometheus's configuration and rules are valid (promtool, from
# Debian's prometheus), every alert's unit tests pass, the dashboard passes its checks, and the Redis
# recipe's Prometheus scrapes exactly the servers the recipe runs.
command -v promtool >/dev/null || { echo "compose-config: promtool is not installed (apt-get install prometheus)" >&2; exit 1; }
for f in docker-compose.yml docker-compose.nwaku.yml redis/docker-compose.yml; do
  merged=$(NWAKU_NODEKEY=0000 docker-compose -f "$f" --profile monitoring config)
  for svc in prometheus grafana; do
    MERGED="$merged" python3 - "$svc" <<'PY' || { echo "compose-config: $f: $svc" >&2; exit 1; }
import sys, yaml, os
svc = sys.argv[1]
s = yaml.safe_load(os.environ["MERGED"])["services"].get(svc)
assert s, "no such service"
assert s.get("profiles") == ["monitoring"], f"profiles {s.get('profiles')}, expected [monitoring] only"
for v in s.get("volumes", []):  # short syntax, as docker-compose 1.29 prints it
    src = v.split(":")[0]
    if src.startswith("/") and not os.path.exists(src):
        raise SystemExit(f"mounts {src}, which does not exist")
for p in s.get("ports", []):
    assert str(p).startswith("127.0.0.1:"), f"port {p} is not on loopback"
PY
  done
  echo "compose-config: $f: prometheus and grafana under the monitoring profile"
done
for c in observability/prometheus/*.yml; do promtool check config --syntax-only "$c" >/dev/null; done
promtool check rules observability/rules/webrtc-star.rules.yml >/dev/null
(cd observability/rules && promtool test rules webrtc-star.rules.test.yml >/dev/null)
echo "compose-config: prometheus configurations and rules valid; every alert's unit test passes"
observability/check-dashboard.py
scraped=$(grep -o 'star-[0-9]*:9090' observability/prometheus/redis-cluster.yml | cut -d: -f1 | sort | tr '\n' ' ')
run=$(docker-compose -f redis/docker-compose.yml config --services | grep '^star-' | sort | tr '\n' ' ')
[ "$scraped" = "$run" ] || fail "Prometheus scrapes '$scraped' but the recipe runs '$run'"
echo "compose-config: the Redis recipe's Prometheus scrapes every server"
