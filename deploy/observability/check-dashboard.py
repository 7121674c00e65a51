#!/usr/bin/env python3
"""Validates the Grafana dashboard without Grafana (not in Debian): its structure (ids, grid,
panel types, datasource references against the provisioned datasource), the variables its queries
use, that every query is valid PromQL (promtool check rules on the queries as recording rules), and
that every metric it or the alert rules name is one the server exports (server/metrics/metrics.cpp,
or a scrape of a running server with --metrics FILE).

  check-dashboard.py                      check; exit 1 with every problem listed
  check-dashboard.py --queries [--rate-interval 15s] [--job J]
                                          print each query, variables filled in, one JSON object a line
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
DASHBOARD = HERE / "grafana" / "dashboards" / "webrtc-star.json"
DATASOURCES = HERE / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
RULES = HERE / "rules" / "webrtc-star.rules.yml"
METRICS_CPP = HERE.parent.parent / "server" / "metrics" / "metrics.cpp"
PANEL_TYPES = {"row", "timeseries", "stat"}
BUILTIN_VARIABLES = {"__rate_interval", "__interval", "__range"}
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "count", "max_over_time", "and", "or",
                "unless", "le", "without", "on", "ignoring", "bool", "offset", "max", "min", "avg"}


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])


def queries(dashboard):
    for p in panels_of(dashboard):
        for t in p.get("targets", []):
            yield p, t


def fill(expr, job, rate_interval):
    return (expr.replace("$__rate_interval", rate_interval).replace('"$job"', f'"{job}"')
            .replace('=~"$instance"', '=~".*"').replace('"$instance"', '".*"'))


def exported_metrics(metrics_file):
    text = pathlib.Path(metrics_file).read_text() if metrics_file else METRICS_CPP.read_text()
    if metrics_file:
        names = set(re.findall(r"^([a-z_:][a-z0-9_:]*)", text, re.M))
    else:
        names = set(re.findall(r'"((?:webrtc_star|process)_[a-z0-9_]+)"', text))
        for n in list(names):  # histograms: render() adds the suffixes
            names |= {n + "_bucket", n + "_sum", n + "_count"}
    return names | {"up"}


def metric_names(expr):
    expr = re.sub(r'"[^"]*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"by \([^)]*\)", "", expr)
    return {w for w in re.findall(r"\b[a-z_][a-z0-9_]*\b", expr) if w not in PROMQL_WORDS}


def check_structure(d, problems):
    for key in ("uid", "title", "schemaVersion", "panels", "templating", "time"):
        if key not in d:
            problems.append(f"dashboard: no '{key}'")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    provisioned = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    uids = {ds["uid"] for ds in provisioned if ds["type"] == "prometheus"}
    ds_var = variables.get("datasource")
    if not ds_var or ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        problems.append("dashboard: no datasource variable of type prometheus")
    elif ds_var.get("current", {}).get("value") not in uids:
        problems.append(f"datasource variable defaults to {ds_var.get('current')}, not a provisioned uid {uids}")
    ids, cells = set(), {}
    for p in panels_of(d):
        where = f"panel {p.get('id')} '{p.get('title')}'"
        if p.get("id") in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(p.get("id"))
        if p.get("type") not in PANEL_TYPES:
            problems.append(f"{where}: type {p.get('type')} not one of {sorted(PANEL_TYPES)}")
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "xywh") or g["x"] < 0 or g["w"] < 1 or g["x"] + g["w"] > 24:
            problems.append(f"{where}: gridPos {g} outside the 24-column grid")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    problems.append(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p["id"]
            else:
                continue
            break
        if p["type"] == "row":
            continue
        if not p.get("title") or not p.get("description"):
            problems.append(f"{where}: a panel needs a title and a description (what it answers)")
        if p.get("datasource") != {"type": "prometheus", "uid": "${datasource}"}:
            problems.append(f"{where}: datasource {p.get('datasource')} is not the datasource variable")
        targets = p.get("targets", [])
        if not targets:
            problems.append(f"{where}: no queries")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            problems.append(f"{where}: duplicate refIds {refs}")
        for t in targets:
            if t.get("datasource") != p.get("datasource"):
                problems.append(f"{where} {t.get('refId')}: datasource differs from the panel's")
            if not t.get("expr", "").strip():
                problems.append(f"{where} {t.get('refId')}: empty expr")
            for var in re.findall(r"\$\{?(\w+)", t.get("expr", "")):
                if var not in variables and var not in BUILTIN_VARIABLES:
                    problems.append(f"{where} {t.get('refId')}: undefined variable ${var}")


def check_promql(d, problems, exported):
    rules = [{"record": f"dashboard:query_{i}", "expr": fill(t["expr"], "webrtc-star", "1m")}
             for i, (_, t) in enumerate(queries(d))]
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
        f.flush()
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("promtool does not parse the dashboard's queries:\n" + r.stdout + r.stderr)
    alert_exprs = [rule["expr"] for g in yaml.safe_load(RULES.read_text())["groups"] for rule in g["rules"]]
    for where, expr in [(p["title"], t["expr"]) for p, t in queries(d)] + [("rules", e) for e in alert_exprs]:
        for name in metric_names(expr) - exported:
            problems.append(f"{where}: {name} is not a metric the server exports")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", action="store_true")
    ap.add_argument("--rate-interval", default="1m")
    ap.add_argument("--job", default="webrtc-star")
    ap.add_argument("--metrics", help="a /metrics scrape to check names against, instead of metrics.cpp")
    args = ap.parse_args()
    d = json.loads(DASHBOARD.read_text())
    if args.queries:
        for p, t in queries(d):
            print(json.dumps({"panel": p["title"], "refId": t["refId"],
                              "expr": fill(t["expr"], args.job, args.rate_interval)}))
        return 0
    problems = []
    check_structure(d, problems)
    check_promql(d, problems, exported_metrics(args.metrics))
    for p in problems:
        print(f"check-dashboard: {p}", file=sys.stderr)
    n = sum(1 for _ in queries(d))
    print(f"check-dashboard: {DASHBOARD.name}: {len(list(panels_of(d)))} panels, {n} queries: "
          + ("ok" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
