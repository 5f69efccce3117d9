#!/usr/bin/env python3
"""Warrant's on-disk store against Oxigraph's own server, side by side, on LUBM(N,0).

    python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install oxigraph==0.5.13 reasonable==0.4.4
    apt-get install -y wrk
    cargo build --release
    /tmp/benchvenv/bin/python benches/disk.py                       # LUBM(1,0)
    /tmp/benchvenv/bin/python benches/disk.py --scales 1,5,10       # + how cost grows, table + SVG chart

What runs, in one process tree on one machine (every command in its own process, peak RSS from
`/usr/bin/time -v`):

* load: `warrant load --data D --rules none|rdfs,owl2rl lubm.nt univ-bench.ttl` (release binary)
  against `oxigraph load` (the pip package's CLI) of the same two files, and of the materialised triples;
  `reasonable` (pip) materialising the same files, in its own process;
* start: `warrant serve --data D --no-default-data --rules rdfs,owl2rl` on the loaded store until a query
  is answered — once right after the load, then again on the unchanged store — against `oxigraph serve`;
* queries: LUBM q1-q14 over HTTP (SPARQL protocol, POST, JSON results), both servers holding the same
  triples: the union of Warrant's content graphs, exported with `warrant query 'CONSTRUCT WHERE {?s ?p ?o}'`
  and loaded with `oxigraph load`. Each query is run once to warm up, then `--runs` times alternating
  between the servers (so both see the same machine load); the median is reported, and the row counts
  must agree;
* throughput: `wrk -t2 -c16 -d8s` on a simple `SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10` (GET),
  Warrant then Oxigraph, `--wrk-rounds` times alternating; the best round of each is reported.

Ratios are Warrant / Oxigraph (above 1: Warrant slower or bigger). With several scales, LUBM(N,0) is N
copies of LUBM(1,0) with `University0` renamed `University0..N-1` (LUBM universities are independent);
the scale table and an SVG chart (`--svg`) show how load time, memory and query time grow.
Results are also written as JSON (`--json`).
"""
import argparse
import gzip
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.environ.get("WARRANT_PEER_DIR", os.path.join(ROOT, "..", "shared", "peer"))
LUBM = os.path.join(PEER, "lubm")
RULES = "rdfs,owl2rl"
SIMPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def default_warrant():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "warrant")


def default_oxigraph():
    found = shutil.which("oxigraph", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    return found or "oxigraph"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd, **kw):
    """Runs `cmd` under /usr/bin/time -v: (wall seconds, peak RSS in MB, stdout)."""
    t0 = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, cwd=ROOT, **kw)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    return wall, int(rss.group(1)) / 1024 if rss else None, out.stdout


# ---------------------------------------------------------------- data


def prepare(scale, tmp):
    """LUBM(scale,0) as one N-Triples file (copies of University0 renamed), and the ontology."""
    path = os.path.join(tmp, f"lubm{scale}.nt")
    with gzip.open(os.path.join(LUBM, "lubm1.nt.gz"), "rt", encoding="utf-8") as src:
        one = src.read()
    pattern = re.compile(r"University0(?![0-9])")
    with open(path, "w", encoding="utf-8") as dst:
        for i in range(scale):
            dst.write(one if i == 0 else pattern.sub(f"University{i}", one))
    onto = os.path.join(LUBM, "ontology", "univ-bench.ttl")
    return path, onto


def queries():
    out = []
    for i in range(1, 15):
        with open(os.path.join(LUBM, "queries", f"q{i}.rq"), encoding="utf-8") as f:
            out.append((f"q{i}", f.read()))
    return out


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, name, cmd, query_url):
        self.name, self.cmd, self.url = name, cmd, query_url
        self.proc = None

    def start(self, timeout=1200):
        """Starts the server; seconds until it answered a query."""
        t0 = time.perf_counter()
        # stderr to a file: a pipe nobody reads fills up and blocks the server's logging
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited: {self.log.read().decode()[-3000:]}")
            try:
                self.query("ASK { ?s ?p ?o }", timeout=5)
                return time.perf_counter() - t0
            except OSError:
                if time.perf_counter() - t0 > timeout:
                    raise
                time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=300)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def query(self, text, timeout=600):
        """(seconds, number of result rows) for one POSTed query."""
        req = urllib.request.Request(self.url, data=text.encode(), method="POST", headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        took = time.perf_counter() - t0
        doc = json.loads(body)
        rows = len(doc["results"]["bindings"]) if "results" in doc else int(doc.get("boolean", False))
        return took, rows

    def get_url(self, text):
        return self.url + "?" + urllib.parse.urlencode({"query": text})


def wrk(url, seconds):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True, check=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))
    lat = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out.stdout)
    mean_ms = float(lat.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[lat.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses from {url}")
    return rps, mean_ms


# ---------------------------------------------------------------- one scale


def reasonable_child(data_ttl, onto):
    import reasonable
    r = reasonable.PyReasoner()
    r.load_file(onto)
    r.load_file(data_ttl)
    print(len(r.reason()))


def run_scale(scale, args, tmp):
    log(f"== LUBM({scale},0)")
    data, onto = prepare(scale, tmp)
    w, ox = args.warrant, args.oxigraph
    res = {"scale": scale}
    stores = {k: os.path.join(tmp, f"{k}{scale}") for k in ("wnone", "wrules", "oxin", "oxmat")}

    log("load: warrant --rules none, oxigraph load (same files), interleaved")
    res["w_load_none"] = timed([w, "load", "--data", stores["wnone"], "--rules", "none", data, onto])[:2]
    res["ox_load_in"] = timed([ox, "load", "--location", stores["oxin"], "--file", data, onto])[:2]
    shutil.rmtree(stores["wnone"], ignore_errors=True)
    shutil.rmtree(stores["oxin"], ignore_errors=True)

    log("load: warrant --rules rdfs,owl2rl; reasonable")
    res["w_load_rules"] = timed([w, "load", "--data", stores["wrules"], "--rules", RULES, data, onto])[:2]
    data_ttl = data[:-3] + ".ttl"  # reasonable reads .ttl/.n3; N-Triples is Turtle
    os.link(data, data_ttl)
    wall, rss, out = timed([sys.executable, __file__, "--reasonable-child", data_ttl, onto])
    res["reasonable"] = (wall, rss)
    res["reasonable_triples"] = int(out.strip().splitlines()[-1])
    os.unlink(data_ttl)

    log("export the materialised union; oxigraph load of it")
    export = os.path.join(tmp, f"materialised{scale}.nt")
    with open(export, "w", encoding="utf-8") as f:
        subprocess.run([w, "query", "--data", stores["wrules"], "--format", "nt",
                        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"], stdout=f, check=True, cwd=ROOT)
    with open(export, encoding="utf-8") as f:
        res["materialised_triples"] = sum(1 for _ in f)
    res["ox_load_mat"] = timed([ox, "load", "--location", stores["oxmat"], "--file", export])[:2]

    wport, oport = free_port(), free_port()
    warrant = Server("warrant", [w, "serve", "--data", stores["wrules"], "--no-default-data", "--rules", RULES,
                                 "--bind", f"127.0.0.1:{wport}", "--query-timeout", "600",
                                 # 16 wrk connections: admit them all (the default, twice the cores,
                                 # answers the excess 503 busy; oxigraph serve has no such cap)
                                 "--max-concurrent-queries", "32"],
                     f"http://127.0.0.1:{wport}/sparql")
    oxigraph = Server("oxigraph", [ox, "serve", "--location", stores["oxmat"], "--bind", f"127.0.0.1:{oport}"],
                      f"http://127.0.0.1:{oport}/query")
    try:
        log("start: warrant serve after the load, then again on the unchanged store; oxigraph serve")
        res["w_start_first"] = warrant.start()
        warrant.stop()
        res["w_start_unchanged"] = warrant.start()
        res["ox_start"] = oxigraph.start()

        log("LUBM q1-q14 over HTTP, alternating")
        res["queries"] = {}
        for name, text in queries():
            times = {"w": [], "o": []}
            rows = {}
            for server, key in ((warrant, "w"), (oxigraph, "o")):
                rows[key] = server.query(text)[1]  # warm-up
            for _ in range(args.runs):
                for server, key in ((warrant, "w"), (oxigraph, "o")):
                    t, n = server.query(text)
                    times[key].append(t)
                    if n != rows[key]:
                        raise RuntimeError(f"{name}: {server.name} answered {n} then {rows[key]} rows")
            res["queries"][name] = {"w": statistics.median(times["w"]), "o": statistics.median(times["o"]),
                                    "rows_w": rows["w"], "rows_o": rows["o"]}
            q = res["queries"][name]
            log(f"  {name}: warrant {q['w'] * 1e3:.1f} ms ({rows['w']} rows), "
                f"oxigraph {q['o'] * 1e3:.1f} ms ({rows['o']} rows)")

        log(f"throughput: wrk -t2 -c16 -d{args.wrk_seconds}s, alternating")
        best = {"w": (0, 0), "o": (0, 0)}
        for _ in range(args.wrk_rounds):
            for server, key in ((warrant, "w"), (oxigraph, "o")):
                r = wrk(server.get_url(SIMPLE), args.wrk_seconds)
                if r[0] > best[key][0]:
                    best[key] = r
        res["wrk"] = best
    finally:
        warrant.stop()
        oxigraph.stop()
    for d in stores.values():
        shutil.rmtree(d, ignore_errors=True)
    os.unlink(export)
    os.unlink(data)
    return res


# ---------------------------------------------------------------- report


def ratio(a, b):
    return f"{a / b:.2f}×" if b else "—"


def print_scale(res):
    s = res["scale"]
    wn, wr, oi, om, rz = (res[k] for k in ("w_load_none", "w_load_rules", "ox_load_in", "ox_load_mat", "reasonable"))
    print(f"\n### LUBM({s},0): {res['materialised_triples']:,} materialised triples "
          f"(reasonable: {res['reasonable_triples']:,})\n")
    print("| work | Warrant | Oxigraph (+ reasonable) | ratio | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| load `--rules none` (asserted files) | {wn[0]:.2f} s, {wn[1]:.0f} MB | `oxigraph load` same files: "
          f"{oi[0]:.2f} s, {oi[1]:.0f} MB | {ratio(wn[0], oi[0])} | ≤ 2× |")
    both = om[0] + rz[0]
    print(f"| load `--rules {RULES}` (+ derivation records) | {wr[0]:.2f} s, {wr[1]:.0f} MB | `oxigraph load` of the "
          f"materialised triples {om[0]:.2f} s + `reasonable` {rz[0]:.2f} s ({rz[1]:.0f} MB) = {both:.2f} s | "
          f"{ratio(wr[0], both)} | ≤ 3×, ≤ 1 GB |")
    print(f"| `serve` right after the load, until it answers | {res['w_start_first']:.2f} s | "
          f"`oxigraph serve`: {res['ox_start']:.2f} s | {ratio(res['w_start_first'], res['ox_start'])} | |")
    print(f"| `serve` on the unchanged store, until it answers | {res['w_start_unchanged']:.2f} s | "
          f"{res['ox_start']:.2f} s | {ratio(res['w_start_unchanged'], res['ox_start'])} | ≤ 2 s |")
    (wrps, wlat), (orps, olat) = res["wrk"]["w"], res["wrk"]["o"]
    print(f"| simple SELECT LIMIT 10, wrk 16 connections | {wrps:,.0f} req/s, mean {wlat:.2f} ms | "
          f"{orps:,.0f} req/s, mean {olat:.2f} ms | {wrps / orps:.2f}× throughput | ≥ 0.8× |")
    print("\n| LUBM query over HTTP | rows | Warrant ms | Oxigraph ms | ratio | target |")
    print("|---|---:|---:|---:|---:|---|")
    sw = so = 0
    for name, q in res["queries"].items():
        sw += q["w"]
        so += q["o"]
        rows = f"{q['rows_w']}" if q["rows_w"] == q["rows_o"] else f"{q['rows_w']} ≠ {q['rows_o']}"
        print(f"| {name} | {rows} | {q['w'] * 1e3:.1f} | {q['o'] * 1e3:.1f} | {ratio(q['w'], q['o'])} | ≤ 1.3× |")
    print(f"| **sum** | | **{sw * 1e3:.1f}** | **{so * 1e3:.1f}** | **{ratio(sw, so)}** | ≤ 1.15× |")


def totals(res):
    return (sum(q["w"] for q in res["queries"].values()), sum(q["o"] for q in res["queries"].values()))


def print_growth(results):
    print("\n### How cost grows\n")
    print("| scale | materialised triples | Warrant load none s / MB | oxigraph load s / MB | Warrant load "
          f"{RULES} s / MB | oxigraph load + reasonable s | Warrant restart s | q1-q14 sum Warrant / Oxigraph ms | "
          "req/s Warrant / Oxigraph |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        sw, so = totals(r)
        print(f"| {r['scale']}× | {r['materialised_triples']:,} | {r['w_load_none'][0]:.1f} / {r['w_load_none'][1]:.0f} | "
              f"{r['ox_load_in'][0]:.1f} / {r['ox_load_in'][1]:.0f} | {r['w_load_rules'][0]:.1f} / "
              f"{r['w_load_rules'][1]:.0f} | {r['ox_load_mat'][0] + r['reasonable'][0]:.1f} | "
              f"{r['w_start_unchanged']:.2f} | {sw * 1e3:.0f} / {so * 1e3:.0f} | "
              f"{r['wrk']['w'][0]:,.0f} / {r['wrk']['o'][0]:,.0f} |")


def svg_chart(results, path):
    """Four small panels (load none, load with rules, peak RSS, query sum) against the scale."""
    panels = [
        ("load --rules none (s)", lambda r: r["w_load_none"][0], lambda r: r["ox_load_in"][0]),
        (f"load --rules {RULES} (s)", lambda r: r["w_load_rules"][0],
         lambda r: r["ox_load_mat"][0] + r["reasonable"][0]),
        ("peak RSS of the load with rules (MB)", lambda r: r["w_load_rules"][1],
         lambda r: max(r["ox_load_mat"][1], r["reasonable"][1])),
        ("LUBM q1-q14 sum over HTTP (ms)", lambda r: totals(r)[0] * 1e3, lambda r: totals(r)[1] * 1e3),
    ]
    W, H, pad = 300, 220, 45
    scales = [r["scale"] for r in results]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W * 2}" height="{H * 2 + 30}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="10" y="{H * 2 + 20}">LUBM(N,0), N = {", ".join(map(str, scales))}: '
           '<tspan fill="#c0392b">Warrant (on disk)</tspan> vs <tspan fill="#2c3e50">Oxigraph '
           '(+ reasonable for the rules)</tspan></text>']
    for k, (title, wf, of) in enumerate(panels):
        ox0, oy0 = (k % 2) * W, (k // 2) * H
        ymax = max(max(wf(r), of(r)) for r in results) * 1.1 or 1
        xmax = max(scales)

        def pt(x, y):
            return ox0 + pad + (x / xmax) * (W - pad - 15), oy0 + H - 30 - (y / ymax) * (H - 60)
        out.append(f'<text x="{ox0 + pad}" y="{oy0 + 18}" font-weight="bold">{title}</text>')
        x0, y0 = pt(0, 0)
        x1, y1 = pt(xmax, ymax)
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#888"/>')
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#888"/>')
        out.append(f'<text x="{x0 - 5}" y="{y1 + 4}" text-anchor="end">{ymax:.0f}</text>')
        out.append(f'<text x="{x0 - 5}" y="{y0 + 4}" text-anchor="end">0</text>')
        for s in scales:
            x, _ = pt(s, 0)
            out.append(f'<text x="{x}" y="{y0 + 14}" text-anchor="middle">{s}×</text>')
        for f, colour in ((wf, "#c0392b"), (of, "#2c3e50")):
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (pt(r["scale"], f(r)) for r in results))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for r in results:
                x, y = pt(r["scale"], f(r))
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--reasonable-child":
        reasonable_child(sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scales", default="1", help="comma-separated LUBM sizes (copies of LUBM(1,0))")
    p.add_argument("--warrant", default=default_warrant(), help="the warrant binary (release)")
    p.add_argument("--oxigraph", default=default_oxigraph(), help="the oxigraph CLI (pip install oxigraph)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per query and server")
    p.add_argument("--wrk-seconds", type=int, default=8)
    p.add_argument("--wrk-rounds", type=int, default=2)
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--svg", default=os.path.join(ROOT, "benches", "disk-scale.svg"),
                   help="chart of how cost grows (written when more than one scale is run)")
    p.add_argument("--tmp", help="work directory (default: a new one under $TMPDIR)")
    args = p.parse_args()
    for tool in (args.warrant, args.oxigraph, "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (see the header of {__file__})")
    tmp = tempfile.mkdtemp(prefix="warrant-disk-", dir=args.tmp)
    load = os.getloadavg()
    print(f"# benches/disk.py — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average {load[0]:.2f} at start; warrant {args.warrant}; oxigraph {args.oxigraph}")
    results = []
    try:
        for scale in (int(s) for s in args.scales.split(",")):
            results.append(run_scale(scale, args, tmp))
            print_scale(results[-1])
            sys.stdout.flush()
            if args.json:
                with open(args.json, "w", encoding="utf-8") as f:
                    json.dump(results, f, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(results) > 1:
        print_growth(results)
        svg_chart(results, args.svg)
        print(f"\nchart: {os.path.relpath(args.svg, ROOT)}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
