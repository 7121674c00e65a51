# Plot data for compare.d/plot.gp from raw/summary.jsonl ($rows): six blocks
# (gnuplot `index` 0..5), separated by two blank lines. Each row:
#   index "group" ours reference floor "label ours" "label ref" "label floor" y-ours y-ref y-floor
# A value is NaN where nothing was measured; a step that did not finish has no
# bar but a "DNF" (did not finish) label near the bottom of its panel.

def r(d): . as $x | pow(10; d) as $p | (($x * $p) | round) / $p;
def sig: if (. | fabs) >= 100 then r(0) elif (. | fabs) >= 10 then r(1) elif (. | fabs) >= 1 then r(2) else r(3) end;
def commas:
  tostring as $s
  | if ($s | test("^[0-9]{4,}$")) then
      ($s | length) as $n
      | [range(0; $n) | $s[.:. + 1] + (if (($n - . - 1) % 3 == 0 and . < $n - 1) then "," else "" end)] | join("")
    else $s end;
def q: "\"" + gsub("\""; "'") + "\"";

[$rows[] | . + {rss_kib: (if .rss_per_peer_bytes == null then null else .rss_per_peer_bytes / 1024 end)}] as $rows
| ($ns | split(",") | map(tonumber)) as $ns
| ($large_n | tonumber) as $large_n
| ["ours", "reference", "floor"] as $servers
| def find($fig; $server; $n): [$rows[] | select(.figure == $fig and .server == $server and ((.n // 0) == ($n // 0)))] | first;
  # groups: [label, figure, n, key of the value]; emits one block.
  def block(groups):
    [groups | . as [$lbl, $fig, $n, $key]
      | {label: $lbl, cells: [$servers[] | find($fig; .; $n) as $row
          | if $row == null then {v: null, t: ""}
            elif $row.status != "ok" then {v: null, t: "DNF"}
            else $row[$key] as $v | {v: $v, t: (if $v == null then "" else ($v | sig | commas) end)} end]}] as $g
    | 0 as $floor_y
    | range(0; $g | length) as $i | $g[$i]
    | [($i | tostring), (.label | q)]
      + [.cells[] | if .v == null then "NaN" else (.v | tostring) end]
      + [.cells[] | .t | q]
      + [.cells[] | if .v == null then $floor_y else .v end | tostring]
    | join(" ");
  def idle_groups($key): ($ns[] | ["N = \(. | commas)", "idle", ., $key]), ["N = \($large_n | commas)", "large-idle", $large_n, $key];
  "# 0: RSS per joined idle peer (KiB)",
  block(idle_groups("rss_kib")), "", "",
  "# 1: server CPU with N joined idle peers (% of one core)",
  block(idle_groups("idle_cpu_pct")), "", "",
  "# 2: connect + join of N clients (s)",
  block(idle_groups("connect_join_s")), "", "",
  "# 3: handshake latency p50 at the fixed rate (ms)",
  block(["100 of 1,000", "fixed", 1000, "p50_ms"], ["\($large_n | commas) of \($large_n | commas)", "large-fixed", $large_n, "p50_ms"]), "", "",
  "# 4: handshake latency p99 at the fixed rate (ms)",
  block(["100 of 1,000", "fixed", 1000, "p99_ms"], ["\($large_n | commas) of \($large_n | commas)", "large-fixed", $large_n, "p99_ms"]), "", "",
  "# 5: highest handshake rate with p99 under the bound (/s)",
  [$servers[] | [find("search"; .; null)] | first] as $s
  | 0 as $fy
  | (["0", ("100 joined of 1,000" | q)]
     + [$s[] | if . == null or .status != "ok" then "NaN" else (.max_rate | tostring) end]
     + [$s[] | if . == null then "" elif .status != "ok" then "DNF" else (.max_rate | sig | commas) end | q]
     + [$s[] | if . == null or .status != "ok" then $fy else .max_rate end | tostring]
    | join(" "))
