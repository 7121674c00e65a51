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
