#!/usr/bin/env python3
"""Draws nine of the dashboard's panels as one PNG with gnuplot, from a running Prometheus: Grafana is
not in Debian, so this is how the README's picture is made. The queries are the dashboard's own
(check-dashboard.py --queries), run as range queries over [--start, --end]; each series is drawn as
Grafana would draw it, a line per legend. It is a faithful plot of the data, not a Grafana screenshot.

  render-dashboard.py --prometheus http://127.0.0.1:9091 --start UNIX --end UNIX --out dashboard.png
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
PANELS = [  # (dashboard panel title, y-axis unit)
    ("Peers per server", "peers"),
    ("Connections by transport", "connections"),
    ("Dials", "messages/s"),
    ("Handshake forward latency", "seconds"),
    ("Messages dropped by reason", "messages/s"),
    ("Memory budget use", "share of budget"),
    ("CPU", "cores"),
    ("Remote peers per server", "peers"),
    ("Envelopes by outcome", "envelopes/s"),
]


def legend(fmt, labels, names):
    out = fmt
    for k, v in labels.items():
        out = out.replace("{{" + k + "}}", names.get(v, v))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--start", type=float, required=True)
    ap.add_argument("--end", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rate-interval", default="10s")
    ap.add_argument("--title", default="webrtc-star-server dashboard (Prometheus data plotted with gnuplot)")
    ap.add_argument("--names", default="", help="INSTANCE=NAME,...: shorter names for the legends")
    args = ap.parse_args()
    dashboard = json.loads((HERE / "grafana" / "dashboards" / "webrtc-star.json").read_text())
    by_title = {p["title"]: p for p in dashboard["panels"]}
    names = dict(pair.split("=", 1) for pair in args.names.split(",") if pair)
    queries = [json.loads(line) for line in subprocess.run(
        [sys.executable, str(HERE / "check-dashboard.py"), "--queries", "--rate-interval", args.rate_interval],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    step = max(1, int((args.end - args.start) / 300))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="star-dashboard-"))
    plots = []
    for n, (title, unit) in enumerate(PANELS):
        targets = {t["refId"]: t for t in by_title[title]["targets"]}
        lines = []
        for q in (q for q in queries if q["panel"] == title):
            url = (f"{args.prometheus}/api/v1/query_range?query={urllib.parse.quote(q['expr'])}"
                   f"&start={args.start}&end={args.end}&step={step}")
            result = json.load(urllib.request.urlopen(url))["data"]["result"]
            for i, series in enumerate(result):
                name = legend(targets[q["refId"]]["legendFormat"], series["metric"], names).replace('"', "'")
                values = [(float(t) - args.start, v) for t, v in series["values"] if v not in ("NaN", "+Inf", "-Inf")]
                if not values or (title.startswith("Messages dropped") and all(float(v) == 0 for _, v in values)):
                    continue
                f = tmp / f"p{n}-{q['refId']}-{i}.dat"
                f.write_text("".join(f"{t:.0f} {v}\n" for t, v in values))
                lines.append(f"'{f}' using 1:2 with lines lw 2 title \"{name}\"")
        plots.append((title, unit, lines))
    script = [
        "set terminal pngcairo size 1800,1150 font 'DejaVu Sans,10'",
        f"set output '{args.out}'",
        f"set multiplot layout 3,3 title \"{args.title}\" font ',14'",
        "set key top left font ',8' samplen 1 spacing 0.9 noopaque",
        "set grid", "set xlabel 'seconds into the run' font ',8'", "set border lw 0.5",
        "set tics font ',8'", "set style data lines",
    ]
    for title, unit, lines in plots:
        script += [f"set title \"{title}\" font ',11'", f"set ylabel '{unit}' font ',8'"]
        script += [f"plot {', '.join(lines)}" if lines else "plot 0 title 'no data'"]
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)
    print(f"render-dashboard: wrote {args.out}")


if __name__ == "__main__":
    main()
