#!/usr/bin/env python3
"""Writes dashboards/webrtc-star.json, the Grafana dashboard for webrtc-star-server (one server or a
cluster on Redis or Waku). The JSON is what Grafana provisions; this script is how it is edited, so
that every panel has the same shape. check-dashboard.py validates the result.

Rows follow an incident's questions: is it up and serving (overview), are peers joining and dials
going through, and since when (joins and dials), why not (drops and refusals by reason), is the
server itself short of something (memory budget, slow consumers, CPU, RSS), and are the servers
of a cluster still one (federation)."""
import json
import pathlib

SEL = 'job="$job", instance=~"$instance"'
RATE = '$__rate_interval'
DS = {"type": "prometheus", "uid": "${datasource}"}

panels = []
next_id = [1]
cursor = {"x": 0, "y": 0, "h": 0}


def place(w, h):
    if cursor["x"] + w > 24:
        cursor["x"] = 0
        cursor["y"] += cursor["h"]
        cursor["h"] = 0
    pos = {"x": cursor["x"], "y": cursor["y"], "w": w, "h": h}
    cursor["x"] += w
    cursor["h"] = max(cursor["h"], h)
    return pos


def row(title):
    cursor["y"] += cursor["h"]
    cursor["x"], cursor["h"] = 0, 0
    panels.append({"id": next_id[0], "type": "row", "title": title, "collapsed": False,
                   "gridPos": {"x": 0, "y": cursor["y"], "w": 24, "h": 1}, "panels": []})
    next_id[0] += 1
    cursor["y"] += 1


def panel(title, description, targets, unit="short", kind="timeseries", w=8, h=8, stack=False):
    p = {
        "id": next_id[0], "type": kind, "title": title, "description": description, "datasource": DS,
        "gridPos": place(w, h),
        "targets": [{"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                     "range": True, "instant": False} for i, (expr, legend) in enumerate(targets)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                  "stacking": {"mode": "normal" if stack else "none"}}
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi"}}
    else:
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "textMode": "auto"}
    next_id[0] += 1
    panels.append(p)


def quantiles(metric, by="instance"):
    return [(f'histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{SEL}}}[{RATE}])))',
             f"p{int(q * 100)} {{{{{by}}}}}") for q in (0.5, 0.9, 0.99)]


row("Overview")
panel("Servers up", "Servers Prometheus scrapes successfully, of those it should.",
      [(f'sum(up{{{SEL}}})', "up"), (f'count(up{{{SEL}}})', "expected")], kind="stat", w=4, h=4)
panel("Servers not ready", "Servers whose /readyz answers 503: their federation backend cannot relay.",
      [(f'sum(webrtc_star_server_federation_degraded{{{SEL}}})', "not ready")], kind="stat", w=4, h=4)
panel("Peers", "Peers joined on these servers now.", [(f'sum(webrtc_star_peers{{{SEL}}})', "peers")],
      kind="stat", w=4, h=4)
panel("Connections", "Open Engine.IO connections.",
      [(f'sum(webrtc_star_server_connections{{{SEL}}})', "connections")], kind="stat", w=4, h=4)
panel("Dial failure ratio", "Failed handshake messages over all handshake messages, last 5 minutes.",
      [(f'sum(rate(webrtc_star_dials_total_failure{{{SEL}}}[5m])) / sum(rate(webrtc_star_dials_total{{{SEL}}}[5m]))',
        "failing")], unit="percentunit", kind="stat", w=4, h=4)
panel("Forward latency p99", "99th percentile of the time from receiving a handshake message to writing it on.",
      [(f'histogram_quantile(0.99, sum by (le) (rate(webrtc_star_server_forward_latency_seconds_bucket{{{SEL}}}[5m])))',
        "p99")], unit="s", kind="stat", w=4, h=4)

row("Peers and connections")
panel("Peers per server", "Peers joined on each server (webrtc_star_peers).",
      [(f'webrtc_star_peers{{{SEL}}}', "{{instance}}")])
panel("Connections by transport", "Open connections that are WebSocket and long-polling, per server.",
      [(f'sum by (instance) (webrtc_star_server_connections{{{SEL}}}) - sum by (instance) '
        f'(webrtc_star_server_polling_sessions{{{SEL}}})', "websocket {{instance}}"),
       (f'sum by (instance) (webrtc_star_server_polling_sessions{{{SEL}}})', "polling {{instance}}")], stack=True)
panel("Connections opened and refused", "New connections a second, and those refused at --max-connections.",
      [(f'sum by (instance) (rate(webrtc_star_server_connections_total{{{SEL}}}[{RATE}]))', "opened {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_server_connections_refused_total{{{SEL}}}[{RATE}]))',
        "refused {{instance}}")], unit="cps")

row("Joins and dials")
panel("Joins", "Joins a second that succeeded and that failed, per server.",
      [(f'sum by (instance) (rate(webrtc_star_joins_total_success{{{SEL}}}[{RATE}]))', "ok {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_joins_total_failure{{{SEL}}}[{RATE}]))', "failed {{instance}}")],
      unit="ops")
panel("Dials", "Handshake messages (offers and answers) a second: all, answered, failed.",
      [(f'sum by (instance) (rate(webrtc_star_dials_total{{{SEL}}}[{RATE}]))', "all {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_dials_total_success{{{SEL}}}[{RATE}]))', "answered {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_dials_total_failure{{{SEL}}}[{RATE}]))', "failed {{instance}}")],
      unit="ops")
panel("Dial failure ratio per server", "Failed over all handshake messages: which server, since when.",
      [(f'sum by (instance) (rate(webrtc_star_dials_total_failure{{{SEL}}}[{RATE}])) / sum by (instance) '
        f'(rate(webrtc_star_dials_total{{{SEL}}}[{RATE}]))', "{{instance}}")], unit="percentunit")
panel("Handshake forward latency", "Receipt of an offer or answer to writing it to its recipient.",
      quantiles("webrtc_star_server_forward_latency_seconds"), unit="s", w=12)
panel("Joins refused by reason", "ss-join requests refused: invalid address, peer id taken, claim pending.",
      [(f'sum by (reason) (rate(webrtc_star_server_joins_refused_total{{{SEL}}}[{RATE}]))', "{{reason}}")],
      unit="ops", w=12)

row("Drops and refusals")
panel("Messages dropped by reason", "Client messages dropped without being acted on.",
      [(f'sum by (reason) (rate(webrtc_star_server_messages_dropped_total{{{SEL}}}[{RATE}]))', "{{reason}}")],
      unit="ops", w=12)
panel("Protocol errors by reason", "Sessions closed for a packet that is not valid Engine.IO or Socket.IO.",
      [(f'sum by (reason) (rate(webrtc_star_server_protocol_errors_total{{{SEL}}}[{RATE}]))', "{{reason}}")],
      unit="ops", w=12)
panel("Connections closed by a limit", "Timeouts and deadlines that closed connections, a second.",
      [(f'sum(rate(webrtc_star_server_heartbeat_timeouts_total{{{SEL}}}[{RATE}]))', "heartbeat timeout"),
       (f'sum(rate(webrtc_star_server_handshake_timeouts_total{{{SEL}}}[{RATE}]))', "handshake timeout"),
       (f'sum(rate(webrtc_star_server_connect_timeouts_total{{{SEL}}}[{RATE}]))', "connect timeout"),
       (f'sum(rate(webrtc_star_server_frame_deadlines_total{{{SEL}}}[{RATE}]))', "receive rate")], unit="ops",
      w=12)
panel("Log lines suppressed", "Client-provoked log lines not written (rate-limited): a flood is under way.",
      [(f'sum by (instance) (rate(webrtc_star_server_log_lines_suppressed_total{{{SEL}}}[{RATE}]))',
        "{{instance}}")], unit="ops", w=12)

row("Memory, slow consumers, takeovers, CPU")
panel("Memory budget use", "Bytes buffered for clients against --memory-budget, per server.",
      [(f'webrtc_star_server_buffered_bytes{{{SEL}}} / (webrtc_star_server_memory_budget_bytes{{{SEL}}} > 0)',
        "{{instance}}")], unit="percentunit")
panel("Sheds, slow consumers, takeovers", "Connections dropped a minute: budget sheds, slow consumers, "
      "peer ids taken over from silent holders.",
      [(f'sum by (instance) (increase(webrtc_star_server_memory_budget_shed_total{{{SEL}}}[1m]))', "shed {{instance}}"),
       (f'sum by (instance) (increase(webrtc_star_server_slow_consumers_total{{{SEL}}}[1m]))',
        "slow consumer {{instance}}"),
       (f'sum by (instance) (increase(webrtc_star_server_takeovers_total{{{SEL}}}[1m]))', "takeover {{instance}}")])
panel("Buffered bytes", "Bytes waiting for clients (queued sends, partial frames, TLS handshakes).",
      [(f'webrtc_star_server_buffered_bytes{{{SEL}}}', "{{instance}}")], unit="bytes")
panel("CPU", "CPU seconds a second (1 = one core busy).",
      [(f'rate(process_cpu_seconds_total{{{SEL}}}[{RATE}])', "{{instance}}")], unit="short")
panel("Resident memory", "The process's RSS.", [(f'process_resident_memory_bytes{{{SEL}}}', "{{instance}}")],
      unit="bytes")
panel("File descriptors", "Open file descriptors against the limit.",
      [(f'process_open_fds{{{SEL}}} / process_max_fds{{{SEL}}}', "{{instance}}")], unit="percentunit")

row("Federation (Redis or Waku)")
panel("Remote peers per server", "Peers joined on the other servers, as each server knows them.",
      [(f'webrtc_star_server_remote_peers{{{SEL}}}', "{{instance}}")])
panel("Backend health", "1 while a server's federation backend cannot relay (/readyz 503); reconnections "
      "and failed relay requests a minute.",
      [(f'webrtc_star_server_federation_degraded{{{SEL}}}', "degraded {{instance}}"),
       (f'increase(webrtc_star_server_federation_reconnects_total{{{SEL}}}[1m])', "reconnects {{instance}}"),
       (f'increase(webrtc_star_server_federation_backend_errors_total{{{SEL}}}[1m])', "errors {{instance}}")])
panel("Envelopes by outcome", "Envelopes a second published, received, and dropped (all reasons).",
      [(f'sum by (instance) (rate(webrtc_star_server_federation_envelopes_published_total{{{SEL}}}[{RATE}]))',
        "published {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_server_federation_envelopes_received_total{{{SEL}}}[{RATE}]))',
        "received {{instance}}"),
       (f'sum by (instance) (rate(webrtc_star_server_federation_envelopes_dropped_total{{{SEL}}}[{RATE}]))',
        "dropped {{instance}}")], unit="ops")
panel("Cross-server handshakes", "Handshake messages that crossed servers: published, received, given up.",
      [(f'sum by (outcome) (rate(webrtc_star_server_federation_signals_total{{{SEL}}}[{RATE}]))', "{{outcome}}")],
      unit="ops")
panel("Federation refusals by reason", "Envelopes the trust rules refused: unknown key, stale, replayed...",
      [(f'sum by (instance, reason) (rate(webrtc_star_server_federation_refused_total{{{SEL}}}[{RATE}]))',
        "{{reason}} {{instance}}")], unit="ops")
panel("Envelopes dropped by reason", "Envelopes dropped before the trust rules: malformed, duplicate, own echo...",
      [(f'sum by (reason) (rate(webrtc_star_server_federation_envelopes_dropped_total{{{SEL}}}[{RATE}]))',
        "{{reason}}")], unit="ops")
panel("Crossing latency", "Age of a received envelope (its sender's clock; assumes synchronised clocks).",
      quantiles("webrtc_star_server_federation_crossing_latency_seconds"), unit="s", w=12)
panel("Relay latency", "Redis PUBLISH acknowledgement, and nwaku poll duration, 99th percentile.",
      [(f'histogram_quantile(0.99, sum by (instance, le) (rate('
        f'webrtc_star_server_federation_publish_latency_seconds_bucket{{{SEL}}}[{RATE}])))', "publish {{instance}}"),
       (f'histogram_quantile(0.99, sum by (instance, le) (rate('
        f'webrtc_star_server_federation_poll_latency_seconds_bucket{{{SEL}}}[{RATE}])))', "poll {{instance}}")],
      unit="s", w=12)


def variable(name, label, query, multi):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": name}, "definition": query, "refresh": 2, "sort": 1,
            "multi": multi, "includeAll": multi, "allValue": ".*" if multi else None,
            "current": {"text": "All", "value": "$__all"} if multi else {}}


dashboard = {
    "uid": "webrtc-star-server",
    "title": "webrtc-star-server",
    "description": "One webrtc-star-server or a cluster of them (Redis or Waku): peers, dials, drops, limits, "
                   "federation. Rules and runbooks: deploy/observability/rules.",
    "tags": ["webrtc-star", "libp2p"],
    "schemaVersion": 38,
    "version": 1,
    "editable": True,
    "graphTooltip": 1,
    "time": {"from": "now-1h", "to": "now"},
    "refresh": "30s",
    "timezone": "",
    "annotations": {"list": []},
    "links": [],
    "templating": {"list": [
        {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
         "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0},
        variable("job", "Job", "label_values(webrtc_star_peers, job)", False),
        variable("instance", "Server", 'label_values(webrtc_star_peers{job="$job"}, instance)', True),
    ]},
    "panels": panels,
}

out = pathlib.Path(__file__).resolve().parent / "dashboards" / "webrtc-star.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"wrote {out} ({len(panels)} panels)")
