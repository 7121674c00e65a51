# Renders bench/results/RESULTS.md from raw/summary.jsonl ($rows) and
# raw/machine.json ($m). Run by bench/compare with jq -rn.

def r(d): . as $x | pow(10; d) as $p | (($x * $p) | round) / $p;
def sig:
  if . == null then null
  elif (. | fabs) >= 100 then r(0) elif (. | fabs) >= 10 then r(1) elif (. | fabs) >= 1 then r(2) else r(3) end;
def commas:
  tostring as $s
  | if ($s | test("^[0-9]{4,}$")) then
      ($s | length) as $n
      | [range(0; $n) | $s[.:. + 1] + (if (($n - . - 1) % 3 == 0 and . < $n - 1) then "," else "" end)] | join("")
    else $s end;
def show: if . == null then "—" elif type == "string" then . else sig | commas end;

$m[0] as $m
| ($ns | split(",") | map(tonumber)) as $ns
| ($large_n | tonumber) as $large_n
| def row($fig; $server; $n): [$rows[] | select(.figure == $fig and .server == $server and (.n // 0) == ($n // 0))] | first;
  def search($server): [$rows[] | select(.figure == "search" and .server == $server)] | first;
  # One cell: the value (via f), or why there is none.
  def cell($row; f; $unit):
    if $row == null then "—"
    elif $row.status != "ok" then "**\($row.why)**"
      + (if $row.ready_at_timeout != null then " (\($row.ready_at_timeout | commas) of \($row.n | commas) joined, server CPU \($row.cpu_pct_during_attempt | r(0))%)" else "" end)
    else ($row | f) as $v
      | (if $v == null then "—" elif ($v | type) == "string" then $v else "\($v | show)\($unit)" end)
      + (if ($row.failed // 0) > 0 then " (\($row.failed | commas) of \($row.n | commas) failed to connect)" else "" end)
    end;
  def val($row; f): if $row == null or $row.status != "ok" then null else ($row | f) end;
  # ours against the reference, as words; lower_is_better for costs.
  def versus($o; $ref; $lower_is_better; $ref_row):
    if $ref_row != null and $ref_row.status != "ok" then "reference did not finish"
    elif ($o | type) != "number" or ($ref | type) != "number" then "—"
    elif $o == 0 and $ref == 0 then "both ~0"
    elif $o == 0 then (if $lower_is_better then "ours ~0" else "reference only" end)
    elif $ref == 0 then (if $lower_is_better then "reference ~0" else "ours only" end)
    else ($ref / $o) as $q
      | if $q > 0.95 and $q < 1.05 then "about the same"
        elif $lower_is_better then
          (if $q >= 1 then "\($q | sig | commas)× lower" else "\((1 / $q) | sig | commas)× higher" end)
        else
          (if $q <= 1 then "\((1 / $q) | sig | commas)× higher" else "\($q | sig | commas)× lower" end)
        end
    end;
  def line($what; $fig; $n; f; $unit; $lower):
    row($fig; "ours"; $n) as $o | row($fig; "reference"; $n) as $ref | row($fig; "floor"; $n) as $f
    | "| \($what) | \(cell($o; f; $unit)) | \(cell($ref; f; $unit)) | \(versus(val($o; f); val($ref; f); $lower; $ref)) | \(cell($f; f; $unit)) |";
  def search_line:
    search("ours") as $o | search("reference") as $ref | search("floor") as $f
    | def c($x): if $x == null then "—" elif $x.status != "ok" then "**\($x.why)**" else "\($x.max_rate | show)/s" end;
      def v($x): if $x == null or $x.status != "ok" then null else $x.max_rate end;
      "| Highest sustained handshake rate with p99 < \($p99) ms (100 joined of 1,000 connected) | \(c($o)) | \(c($ref)) | \(versus(v($o); v($ref); false; $ref)) | \(c($f)) |";
  def kib: if .rss_per_peer_bytes == null then null else .rss_per_peer_bytes / 1024 end;
  def pct: .idle_cpu_pct;
  # The load generator waits at most 30 s (--settle-max) for the announcements to stop.
  def settled:
    if .announce_quiet_s == null then null
    elif .announce_quiet_s >= 29.9 then "never quiet: the periodic refresh overlaps (waited 30 s)"
    else .connect_join_s + ([.announce_quiet_s - 0.3, 0] | max) end;

"# webrtc-star-server against the reference: side-by-side benchmark",
"",
(if $m.mode == "quick" then "> **Quick run** (`--quick`): small populations and a few seconds per step. The figures show the shape, not the numbers to quote; run `bench/compare` without `--quick` for those.\n" else empty end),
"Ours is `build/server/webrtc-star-server` (\($m.build_type) build, commit \($m.commit)); the reference is `@libp2p/webrtc-star-signalling-server@\($m.reference)` (socket.io \($m.socket_io)) on Node.js \($m.node); the floor is `webrtc-star-echo-floor --no-announce`, the least a webrtc-star relay can do over the same transport (Boost.Beast WebSocket, Engine.IO/Socket.IO framing, joins and handshake relay; no `ws-peer` announcements, no validation, no metrics), so the gap between ours and the floor is what our signalling logic costs, announcements included. Every figure comes from the same load generator, `webrtc-star-bench`, on the same machine, against a freshly started server, one server at a time.",
"",
"![ours, reference and floor side by side](\($plot))",
"",
"| figure | ours | reference | ours vs reference | floor |",
"|---|---|---|---|---|",
( $ns[] as $n |
  line("RSS per joined idle peer, N = \($n | commas) (KiB)"; "idle"; $n; kib; " KiB"; true),
  line("Server CPU with \($n | commas) joined idle peers over \($idle_s) s (% of one core)"; "idle"; $n; pct; "%"; true),
  line("Connect + join of \($n | commas) clients: last `ss-join` sent (s)"; "idle"; $n; .connect_join_s; " s"; true),
  line("… until the join announcements (`ws-peer`) stopped (s)"; "idle"; $n; settled; " s"; true)
),
line("Handshake latency p50 at \($fixed_rate | commas)/s, 100 joined of 1,000 (ms)"; "fixed"; 1000; .p50_ms; " ms"; true),
line("Handshake latency p99 at \($fixed_rate | commas)/s, 100 joined of 1,000 (ms)"; "fixed"; 1000; .p99_ms; " ms"; true),
line("Handshakes completed per second at \($fixed_rate | commas)/s offered"; "fixed"; 1000; .completed_per_s; "/s"; false),
line("Server CPU per relayed message at \($fixed_rate | commas)/s (µs; a handshake is two)"; "fixed"; 1000; .cpu_us_per_msg; " µs"; true),
search_line,
line("Handshake latency p50 at half the server's own highest rate (ms)"; "half"; 1000; .p50_ms; " ms"; true),
line("Handshake latency p99 at half the server's own highest rate (ms)"; "half"; 1000; .p99_ms; " ms"; true),
line("… that half rate (handshakes/s offered)"; "half"; 1000; .rate; "/s"; false),
line("Server CPU per relayed message at that half rate (µs)"; "half"; 1000; .cpu_us_per_msg; " µs"; true),
line("Large N: RSS per joined idle peer, N = \($large_n | commas) (KiB)"; "large-idle"; $large_n; kib; " KiB"; true),
line("Large N: server CPU with \($large_n | commas) joined idle peers over \($idle_s) s (% of one core)"; "large-idle"; $large_n; pct; "%"; true),
line("Large N: connect + join of \($large_n | commas) clients (s)"; "large-idle"; $large_n; .connect_join_s; " s"; true),
line("Large N: handshake latency p50 at \($fixed_rate | commas)/s, all \($large_n | commas) joined (ms)"; "large-fixed"; $large_n; .p50_ms; " ms"; true),
line("Large N: handshake latency p99 at \($fixed_rate | commas)/s, all \($large_n | commas) joined (ms)"; "large-fixed"; $large_n; .p99_ms; " ms"; true),
line("\($joined_n | tonumber | commas) joined: handshakes completed per second at \($joined_rate | tonumber | commas)/s offered"; "joined-rate"; ($joined_n | tonumber); .completed_per_s; "/s"; false),
line("\($joined_n | tonumber | commas) joined, \($joined_rate | tonumber | commas)/s offered: latency p50 / p99 (ms)"; "joined-rate"; ($joined_n | tonumber); "\(.p50_ms | show) / \(.p99_ms | show) ms"; ""; true),
line("\($joined_n | tonumber | commas) joined, \($joined_rate | tonumber | commas)/s offered: server CPU per relayed message (µs)"; "joined-rate"; ($joined_n | tonumber); .cpu_us_per_msg; " µs"; true),
line("\($joined_n | tonumber | commas) joined, \($joined_rate | tonumber | commas)/s offered: server CPU / load generator CPU (% of one core)"; "joined-rate"; ($joined_n | tonumber); "\(.load_cpu_pct | show)% / \(.bench_cpu_pct | show)%"; ""; true),
line("Large N: server CPU / load generator CPU at \($fixed_rate | commas)/s, all \($large_n | commas) joined (% of one core)"; "large-fixed"; $large_n; "\(.load_cpu_pct | show)% / \(.bench_cpu_pct | show)%"; ""; true),
"",
"“ours vs reference” compares the two columns: *lower* is better for memory, CPU, time and latency, *higher* for rates. The reference is not run at the large N: it does not finish joining far smaller populations (its `ss-join` announces the newcomer to every peer, and every peer re-announces itself to every other every 10 s: N·(N−1) `ws-peer` messages per 10 s, O(N²)). A reference step that does not finish within `--ref-timeout` is stopped and recorded as such, with how far it got.",
"",
"## How each figure is measured",
"",
"- **RSS per joined idle peer**: `VmRSS` of the server process (`/proc/PID/status`) read 1 s after start, and again \($settle_s) s after the load generator reports every client connected and joined and the `ws-peer` announcements gone quiet (at most 30 s); the difference divided by the clients that joined.",
"- **Idle CPU**: `utime + stime` of the server process (`/proc/PID/stat`) over the \($idle_s) s that follow, while the N peers stay connected and joined and send nothing but Engine.IO pongs. 100% is one core. The reference's figure is its periodic O(N²) `ws-peer` refresh; ours is the bounded refresh (each peer told of at most `--max-peers-per-announce` = 50 others per 10 s).",
"- **Connect + join**: the load generator opens N WebSockets (at most 1,000 connects in flight, no rate cap), does the Engine.IO open and Socket.IO CONNECT, sends `ss-join` at once, and reports the time from the first connect to the last client ready (joined). The second row adds the time until no `ws-peer` arrived for 0.3 s (the quiet window itself is not counted).",
"- **Handshakes**: 1,000 clients connected, 100 of them joined; random pairs of joined peers exchange an offer (`ss-handshake` → `ws-handshake`, ~600 B) and an answer; latency is offer sent → answer received, at the client. Open loop: offers go out on schedule whether or not answers came back. The search doubles the rate from 250/s until a \($step_s) s step fails (p99 over \($p99) ms, more than 1% errors, or fewer than 90% of the offered handshakes completed), then bisects up to \($refine) times. A failed step is run once more at the same rate and counts as failed only if it fails again, so that one pause (a garbage collection, a periodic broadcast) does not end the search.",
"- **Server CPU per relayed message**: `utime + stime` of the server over the load phase (less its first two seconds and its last two), divided by twice the handshakes completed in that time (an offer and an answer are each one relayed message). It includes the kernel's TCP work for the server's sockets.
- **Half rate**: each server at half of its own highest rate from the search, 100 joined of 1,000, for \($fixed_s) s.
- **\($joined_n | tonumber | commas) joined**: every client joined, handshakes between random pairs at \($joined_rate | tonumber | commas)/s offered for \($fixed_s) s; not run for the reference, which does not finish joining such populations.
- **Large N**: the largest population the open-file limit (\($m.fd_limit | commas) per process) lets one server process hold, the clients spread over load-generator worker processes and source addresses 127.0.0.2–5.",
"- The load generator runs on the same \($m.nproc) cores as the server and takes its share of them, for every server alike. Its own CPU (every process of it, workers included, over the same window as the server's) is shown beside the server's in the large-N rows: a generator near 100% per worker process is what limits that row, not the server.",
"",
"## Machine",
"",
"| | |",
"|---|---|",
"| date | \($m.date) |",
"| CPU | \($m.nproc) × \($m.cpu) |",
"| memory | \($m.mem_gib) GiB |",
"| kernel, OS | \($m.kernel), \($m.os) |",
"| open files per process | \($m.fd_limit | commas) |",
"| ours | commit \($m.commit), \($m.build_type), \($m.cxx) |",
"| reference | @libp2p/webrtc-star-signalling-server \($m.reference), socket.io \($m.socket_io), Node.js \($m.node) |",
"| load average (1, 5, 15 min) | \($m.load_before) at the start, \($m.load_after) at the end |",
"",
(if (($m.load_before | split(" ") | .[0] | tonumber) > 0.5) then "The machine was not idle (load average above): other work shared the cores, so absolute figures are noisy; the ratios between servers measured minutes apart are the more robust part.\n" else empty end),
"## Commands",
"",
"Produced by `\($cmdline)` (see `bench/compare --help`). Each step starts the server fresh on an ephemeral port (PORT below) and runs:",
"",
"```",
($commands | rtrimstr("\n")),
"```",
"",
"Raw results (one JSON per step from `webrtc-star-bench --json-file`, the server logs, `summary.jsonl` with every figure) are under `bench/results/raw/` (not committed)."
