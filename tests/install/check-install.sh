#!/usr/bin/env bash
# What a packager gets: `cmake --install` of the build into a temporary DESTDIR, checked file by file
# against where GNUInstallDirs and the build's options say (nothing missing, nothing else), the
# systemd unit pointing at the installed binary and config file, the man page, the installed
# binary's --version; then the installed binary serves with the installed config file, answers its
# own --healthcheck, and exits 0 on SIGTERM.
#
#   check-install.sh BUILD_DIR     (tests/CMakeLists.txt sets the environment: PROJECT_VERSION,
#                                   INSTALL_PREFIX, BINDIR, FULL_BINDIR, CONFIG_DIR, CONFIG_FILE,
#                                   UNIT_DIR and MANDIR (empty when not built), DOCDIR)
set -euo pipefail
build=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d /tmp/star-install.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$root" "$root.log"
}
trap cleanup EXIT
failures=0
fail() { echo "install: FAIL: $*" >&2; failures=$((failures + 1)); }

# Where a destination lands: an absolute one under DESTDIR as it is, a relative one under the prefix.
installed() { case $1 in /*) echo "$root$1" ;; *) echo "$root$INSTALL_PREFIX/$1" ;; esac; }

DESTDIR=$root cmake --install "$build" >/dev/null

binary=$(installed "$BINDIR")/webrtc-star-server
config=$(installed "$CONFIG_DIR")/webrtc-star-server.toml
docdir=$(installed "$DOCDIR")
expected=("$binary" "$config" "$docdir/LICENSE" "$docdir/LICENSE-MIT" "$docdir/LICENSE-APACHE")
[ -n "$UNIT_DIR" ] && expected+=("$(installed "$UNIT_DIR")/webrtc-star-server.service")
[ -n "$MANDIR" ] && expected+=("$(installed "$MANDIR")/man1/webrtc-star-server.1")

# Every file where it belongs, and no other file installed.
actual=$(find "$root" -type f | sort)
wanted=$(printf '%s\n' "${expected[@]}" | sort)
if [ "$actual" != "$wanted" ]; then
  fail "installed files differ from the expected ones (< expected, > installed):"
  diff <(echo "$wanted") <(echo "$actual") | sed "s|$root||" >&2 || true
fi
[ -x "$binary" ] || fail "$binary is not executable"
cmp -s "$config" "$source_dir/config/webrtc-star-server.toml" || fail "installed config differs from config/"
cmp -s "$docdir/LICENSE-APACHE" "$source_dir/LICENSE-APACHE" || fail "installed LICENSE-APACHE differs"

# --version: the project's version, then git describe's when built from a checkout.
version=$("$binary" --version) || fail "--version exited $?"
version_re="^webrtc-star-server ${PROJECT_VERSION//./\\.}( \\(git [^)]+\\))?\$"
[[ $version =~ $version_re ]] || fail "--version printed '$version'"

if [ -n "$UNIT_DIR" ]; then
  unit=$(installed "$UNIT_DIR")/webrtc-star-server.service
  grep -qxF "ExecStart=$FULL_BINDIR/webrtc-star-server --config $CONFIG_FILE" "$unit" ||
    fail "the unit's ExecStart is not '$FULL_BINDIR/webrtc-star-server --config $CONFIG_FILE': $(grep ExecStart= "$unit")"
  if grep -qE '@[A-Za-z_]+@' "$unit"; then fail "the unit has unsubstituted @VARIABLES@"; fi
fi
if [ -n "$MANDIR" ]; then
  page=$(installed "$MANDIR")/man1/webrtc-star-server.1
  grep -q '^\.TH WEBRTC-STAR-SERVER "1"' "$page" || fail "the man page has no .TH line for section 1"
  grep -qF "$PROJECT_VERSION" "$page" || fail "the man page does not name version $PROJECT_VERSION"
  grep -qF -- '\-\-peer\-refresh\-interval' "$page" || fail "the man page lacks the options from --help"
  grep -qF "$CONFIG_FILE" "$page" || fail "the man page does not name the config file $CONFIG_FILE"
fi

# The installed binary runs with the installed config file (flags override its host and port).
log=$root.log
"$binary" --config "$config" --host 127.0.0.1 --port 0 2>"$log" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  fail "the installed binary did not start with the installed config: $(cat "$log")"
else
  "$binary" --config "$config" --host 127.0.0.1 --port "$port" --healthcheck ||
    fail "--healthcheck against the installed binary failed"
  kill -TERM "$server_pid"
  status=0
  if ! timeout 15 tail --pid="$server_pid" -f /dev/null; then
    fail "the installed binary did not exit within 15 s of SIGTERM"
    kill -KILL "$server_pid"
  fi
  wait "$server_pid" || status=$?
  server_pid=
  [ "$status" -eq 0 ] || fail "the installed binary exited $status on SIGTERM"
fi
if [ "$failures" -gt 0 ]; then exit 1; fi
echo "install: ok (${#expected[@]} files under $INSTALL_PREFIX, $version)"
